using SemiDpo.Diffusion;
using SemiDpo.Pretrained;

namespace SemiDpo.StableDiffusion;

/// <summary>
/// The noise schedule of a diffusers pipeline (scheduler/scheduler_config.json): training timesteps and betas, and the
/// DDIM settings that depend on it (<c>steps_offset</c>, <c>set_alpha_to_one</c>, <c>clip_sample</c>). ε-prediction only.
/// </summary>
public sealed record SchedulerConfig(int TrainTimesteps, double BetaStart, double BetaEnd, BetaSchedule BetaSchedule,
    int StepsOffset, bool SetAlphaToOne, bool ClipSample)
{
    public static SchedulerConfig Read(string path) => From(ConfigFile.Read(path));

    public static SchedulerConfig From(ConfigFile c)
    {
        c.Require("prediction_type", "epsilon", "ε-prediction; v-prediction models (SD2 768) are not supported");
        c.Require("trained_betas", null, "betas from beta_start / beta_end");
        c.Require("timestep_spacing", "leading", "diffusers' default spacing");
        var schedule = c.String("beta_schedule", "linear") switch
        {
            "scaled_linear" => BetaSchedule.ScaledLinear,
            "linear" => BetaSchedule.Linear,
            var other => throw new ModelFormatException($"{c.Path}: beta_schedule '{other}' is not supported (scaled_linear, linear)."),
        };
        return new SchedulerConfig(c.Int("num_train_timesteps", 1000), c.Double("beta_start", 0.0001), c.Double("beta_end", 0.02),
            schedule, c.Int("steps_offset", 0), c.Bool("set_alpha_to_one", true), c.Bool("clip_sample", true));
    }

    public NoiseSchedule Schedule() => new(TrainTimesteps, BetaStart, BetaEnd, BetaSchedule);

    public DdimSampler Sampler(NoiseSchedule schedule) => new(schedule, ClipSample, StepsOffset, SetAlphaToOne);
}

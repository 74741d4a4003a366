using SemiDpo.Diffusion;
using SemiDpo.Pretrained;

namespace SemiDpo.StableDiffusion;

/// <summary>
/// The noise schedule of a diffusers pipeline (scheduler/scheduler_config.json): training timesteps and betas, the
/// sampler settings that depend on it (<c>steps_offset</c>, <c>set_alpha_to_one</c>, <c>clip_sample</c>) and which
/// scheduler the folder names (<c>_class_name</c>: PNDMScheduler for SD1.5, with <c>skip_prk_steps</c>). ε-prediction only.
/// </summary>
public sealed record SchedulerConfig(int TrainTimesteps, double BetaStart, double BetaEnd, BetaSchedule BetaSchedule,
    int StepsOffset, bool SetAlphaToOne, bool ClipSample, string ClassName = "DDIMScheduler", bool SkipPrkSteps = true)
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
            schedule, c.Int("steps_offset", 0), c.Bool("set_alpha_to_one", true), c.Bool("clip_sample", true),
            c.String("_class_name", "DDIMScheduler"), c.Bool("skip_prk_steps", false));
    }

    public NoiseSchedule Schedule() => new(TrainTimesteps, BetaStart, BetaEnd, BetaSchedule);

    public DdimSampler Sampler(NoiseSchedule schedule) => new(schedule, ClipSample, StepsOffset, SetAlphaToOne);

    /// <summary>
    /// The sampler the folder's scheduler names: PNDM (PLMS, <c>skip_prk_steps</c>) for PNDMScheduler, DDIM for
    /// DDIMScheduler; any other scheduler, or PNDM with its Runge–Kutta warm-up, is refused naming it.
    /// </summary>
    public IDenoisingSampler FolderSampler(NoiseSchedule schedule, string where) => ClassName switch
    {
        "PNDMScheduler" when SkipPrkSteps => new PndmSampler(schedule, StepsOffset, SetAlphaToOne),
        "PNDMScheduler" => throw new ModelFormatException($"{where}: PNDMScheduler without skip_prk_steps (its Runge–Kutta warm-up) is not implemented; sample with --scheduler ddim."),
        "DDIMScheduler" => Sampler(schedule),
        _ => throw new ModelFormatException($"{where}: scheduler {ClassName} is not implemented (PNDMScheduler, DDIMScheduler); sample with --scheduler ddim."),
    };
}

#:project ../lib/SemiDpo/SemiDpo.csproj
#:property PublishAot=false
// Usage (from the repository root): dotnet run -c Release bench/base-model-gap.cs -- gap | continue STEPS | scratch STEPS CHANNELS TEXT_WIDTH
// How far the committed base model is from the world's generators, on the reproduction's evaluation (128 held-out
// prompts, oracle means). gap: the six generators, their mean and noise, and the base model under several sampler
// settings (steps, guidance). continue: pretrains the committed weights STEPS more (fresh AdamW with its warm-up, a new
// image stream: seed 8) and evaluates them every 500 steps with the reproduction's sampler (20 DDIM steps, guidance 3).
// scratch: pretrains a new model of that size as the committed one was (seed 7), evaluated every 500 steps (the committed
// size is 32 channels, text width 64).
using SemiDpo.Analysis;
using SemiDpo.Diffusion;
using SemiDpo.Reproduction;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Model;

MiniatureStudy Study(SamplerConfig sampler) => MiniatureStudy.Prepare(new StudyConfig() with { World = new WorldConfig(Pairs: 200), Sampler = sampler });
void Row(string name, ImageSetScores s) => Console.WriteLine($"{name},{s.Utility:F4},{s.Alignment:F4},{s.Aesthetics:F4},{s.Detail:F4}");
Console.WriteLine("images,true utility,alignment,aesthetics,detail");
switch (args)
{
    case ["gap"]:
        var config = new StudyConfig();
        var prompts = SampleEvaluation.HeldOutPrompts(config.EvalPrompts);
        var generators = GeneratorProfile.Defaults.Select(g => SampleEvaluation.Score(g.Name, prompts, SampleEvaluation.GeneratorImages(g, prompts), null, config.World.Weights)).ToList();
        generators.ForEach(g => Row(g.Name, g));
        Console.WriteLine($"generators' mean,{generators.Average(s => s.Utility):F4},{generators.Average(s => s.Alignment):F4},{generators.Average(s => s.Aesthetics):F4},{generators.Average(s => s.Detail):F4}");
        Row("noise", SampleEvaluation.Score("noise", prompts, SampleEvaluation.NoiseImages(prompts.Count), null, config.World.Weights));
        foreach (var (steps, guidance) in new[] { (20, 3.0), (20, 1.0), (20, 5.0), (20, 7.5), (50, 3.0), (50, 7.5) })
        {
            using var study = Study(new SamplerConfig(steps, guidance));
            Row($"base model ({steps} steps / guidance {guidance:G3})", study.Evaluate(study.BaseModel, "base"));
        }
        break;
    case ["continue", var extra]:
        using (var study = Study(new StudyConfig().Sampler))
        {
            var model = study.BaseModel;
            Row("base model, 3000 steps (committed)", study.Evaluate(model, "base"));
            new Pretrainer(model, new PretrainConfig(Steps: int.Parse(extra), Seed: 8, CheckpointEvery: 0)).Run(null, new InlineProgress<TrainingProgress>(p =>
            {
                if (p.Step % 500 != 0) return;
                Row($"base model, 3000 + {p.Step} steps", study.Evaluate(model, "continued"));
                model.UNet.train();
            }));
        }
        break;
    case ["scratch", var steps, var channels, var textWidth]:
        using (var study = Study(new StudyConfig().Sampler))
        {
            using var model = new DiffusionModel(new UNetConfig(Channels: int.Parse(channels), TextWidth: int.Parse(textWidth)), study.BaseModel.Device);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            new Pretrainer(model, new PretrainConfig(Steps: int.Parse(steps), CheckpointEvery: 0)).Run(null, new InlineProgress<TrainingProgress>(p =>
            {
                if (p.Step % 500 != 0) return;
                var minutes = clock.Elapsed.TotalMinutes;
                Row($"{channels} channels / text {textWidth}, {p.Step} steps ({minutes:F1} min)", study.Evaluate(model, "scratch"));
                model.UNet.train();
            }));
        }
        break;
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release bench/base-model-gap.cs -- gap | continue STEPS | scratch STEPS CHANNELS TEXT_WIDTH");
        return 2;
}
return 0;

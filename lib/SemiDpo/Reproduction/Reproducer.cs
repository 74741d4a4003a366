using System.Diagnostics;
using SemiDpo.Analysis;
using SemiDpo.Baselines;
using SemiDpo.Method;
using SemiDpo.Preferences;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Judges;
using SemiDpo.World.Model;

namespace SemiDpo.Reproduction;

/// <summary>
/// The miniature reproduction behind <c>semidpo reproduce</c>: prepare the study (world → judges → consensus filter),
/// evaluate the base model, then per seed train Semi-DPO (Iter0 → Iter1 → Iter2), the two controls through the same
/// pipeline (clean only; all pairs with human labels) and every baseline from the base model with the same step budget, and evaluate each on the held-out prompts; optionally Table 5 (Iter0 on the consensus of
/// fewer judges). Checkpoints go to <c>seed-{s}/</c> in the output folder, so an interrupted run resumes.
/// </summary>
public static class Reproducer
{
    /// <param name="device">Where the models train and sample (default: CUDA when available).</param>
    public static ReproductionResult Run(ReproduceConfig config, string? outputFolder, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default,
        TorchSharp.torch.Device? device = null)
    {
        config.Validate();
        using var prepared = MiniatureStudy.Prepare(config.Study, device, progress, cancellation);
        if (config.FlipRate == 0) return Run(prepared, config, outputFolder, progress, cancellation);
        using var flipped = prepared.WithFlippedLabels(config.FlipRate);
        return Run(flipped, config, outputFolder, progress, cancellation);
    }

    /// <summary>Runs on a prepared study (notebooks prepare once and run several configurations).</summary>
    public static ReproductionResult Run(MiniatureStudy study, ReproduceConfig config, string? outputFolder,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        config.Validate();
        var clock = Stopwatch.StartNew();
        var baseScores = study.Evaluate(study.BaseModel, MethodNames.Base, progress, cancellation);
        var seeds = config.Seeds.Select(seed => RunSeed(study, config, seed, baseScores, Folder(outputFolder, $"seed-{seed}"), progress, cancellation)).ToList();
        var judgeCounts = config.JudgeCountAblation ? RunJudgeCounts(study, config, Folder(outputFolder, "judge-count"), progress, cancellation) : [];
        return new ReproductionResult(config, study.Split, ConsensusAblation.LabelAccuracy(study.Pairs, study.Split.Clean), seeds, judgeCounts, clock.Elapsed)
        {
            CleanCaptions = study.Split.CleanTrain.Select(r => study.Pairs[r].Caption).ToList(),
        };
    }

    /// <summary>Semi-DPO and every baseline with one seed.</summary>
    public static SeedRun RunSeed(MiniatureStudy study, ReproduceConfig config, int seed, ImageSetScores baseScores, string? folder,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var semi = config.SemiDpo.ForSeed(seed);
        var run = RunSemiDpo(study, semi, study.Data, folder, null, Tagged(progress, seed), cancellation);
        var methods = new List<ImageSetScores> { baseScores };
        methods.AddRange(run.Scores);
        if (config.Controls)
        {
            methods.Add(RunArm(study, new SemiDpoPipeline(semi with { Term = UnlabeledTerm.None }), MethodNames.CleanOnlySameBudget, folder, Tagged(progress, seed), cancellation));
            methods.Add(RunArm(study, new SemiDpoPipeline(semi with { Term = UnlabeledTerm.HumanLabels }), MethodNames.DiffusionDpoAllSameSchedule, folder, Tagged(progress, seed), cancellation, sharesIter0: false));
        }
        if (config.Controls && config.Ceilings && semi.Iterations > 1)
        {
            PseudoLabels Accepted(int i) => run.Reports[i].Labels ?? throw new InvalidOperationException($"Semi-DPO's Iter{i} has no pseudo-labels.");
            // The scored pairs are the same sample as Semi-DPO's (same seed), so its labels index them.
            methods.Add(RunArm(study, new SemiDpoPipeline(semi)
                {
                    GivenLabels = (i, scored) => Accepted(i).WithTrueLabels(scored.HumanIsTrue ?? throw new InvalidOperationException("The world's pairs carry their truth; these do not.")),
                    MeasureCleanTest = false,
                },
                MethodNames.CeilingTrueLabels, folder, Tagged(progress, seed), cancellation));
            methods.Add(RunArm(study, new SemiDpoPipeline(semi) { GivenLabels = (i, _) => Accepted(i).WithHumanLabels(), MeasureCleanTest = false },
                MethodNames.CeilingHumanLabels, folder, Tagged(progress, seed), cancellation));
        }
        foreach (var baseline in BaselineSuite.Of(config.Baselines.Where(k => k != BaselineSuite.RealAlignKey), semi.Iter0.Beta, config.Smoothing, config.PolyAlpha))
        {
            var checkpoint = folder is null ? null : Path.Combine(folder, Slug(baseline.Name) + ".ckpt");
            var (model, _) = BaselineSuite.Train(baseline, study.BaseModel, study.Data, semi.TotalBudget, checkpoint, Tagged(progress, seed), cancellation);
            using (model) methods.Add(study.Evaluate(model, baseline.Name, Tagged(progress, seed), cancellation));
        }
        if (config.Baselines.Contains(BaselineSuite.RealAlignKey))
            methods.AddRange(RunRealAlign(study, config.RealAlign with { Seed = seed }, semi.TotalBudget, folder, Tagged(progress, seed), cancellation));
        return new SeedRun(seed, methods, run.Reports, run.Agreement);
    }

    /// <summary>
    /// RealAlign with Semi-DPO's total step budget: its pairs (real vs degraded, filtered with the committee's
    /// MiniPickScore), stage 1 Diffusion-DRO and stage 2 Diffusion-DPO; evaluates both stages' models.
    /// </summary>
    static IEnumerable<ImageSetScores> RunRealAlign(MiniatureStudy study, RealAlignConfig config, DpoTrainConfig budget, string? folder,
        IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        var pickScore = study.Committee.Judges.FirstOrDefault(j => j.Name == "MiniPickScore")
            ?? throw new InvalidOperationException("RealAlign filters with the MiniPickScore judge, which this committee lacks.");
        var (pairs, _) = RealAlignPairs.Build(study.Config.World, pickScore, config);
        if (pairs.Count == 0) throw new TrainingException("RealAlign: no candidate pair passed the colourfulness and PickScore filters.");
        using var set = PairSet.From(pairs, study.BaseModel.Tokenizer);
        var (dro, final) = RealAlign.Train(study.BaseModel, set, budget, config, folder, progress, cancellation);
        using (dro)
        using (final)
            return [study.Evaluate(dro, MethodNames.RealAlignDro, progress, cancellation), study.Evaluate(final, MethodNames.RealAlign, progress, cancellation)];
    }

    /// <summary>
    /// Semi-DPO on the given data with the evaluation of every iteration's model, named
    /// <see cref="MethodNames.Iteration"/> (prefixed with <paramref name="label"/> when given: ablations), and what each
    /// iteration's pseudo-labels follow (<see cref="PseudoLabelAgreement"/>).
    /// </summary>
    public static SemiDpoRun RunSemiDpo(MiniatureStudy study,
        SemiDpoConfig config, StageTwoData data, string? folder = null, string? label = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var scores = new List<ImageSetScores>();
        var pipeline = new SemiDpoPipeline(config);
        using var result = pipeline.Run(study.BaseModel, data, folder, progress, cancellation, (_, model) =>
        {
            var name = MethodNames.Iteration(scores.Count, config.Iterations);
            scores.Add(study.Evaluate(model, label is null ? name : $"{label}: {name}", progress, cancellation));
        });
        var agreement = result.Reports.Where(r => r.Labels is not null).Select(r => PseudoLabelAgreement.Of(r.Labels!, result.Scored)).ToList();
        return new SemiDpoRun(result.Reports, scores, agreement);
    }

    /// <summary>
    /// An arm through the Semi-DPO pipeline (a control, or a ceiling with given labels), its final model evaluated under
    /// <paramref name="name"/>. Checkpoints go to a subfolder of <paramref name="seedFolder"/>; an arm whose Iter0 is
    /// Semi-DPO's (<paramref name="sharesIter0"/>: the same clean pairs, seed and steps) starts from Semi-DPO's Iter0
    /// checkpoint, which is the same training.
    /// </summary>
    static ImageSetScores RunArm(MiniatureStudy study, SemiDpoPipeline pipeline, string name, string? seedFolder,
        IProgress<TrainingProgress>? progress, CancellationToken cancellation, bool sharesIter0 = true)
    {
        var folder = Folder(seedFolder, Slug(name));
        var iter0 = seedFolder is null ? null : Path.Combine(seedFolder, "iter0.ckpt");
        if (sharesIter0 && folder is not null && File.Exists(iter0) && !File.Exists(Path.Combine(folder, "iter0.ckpt")))
            File.Copy(iter0, Path.Combine(folder, "iter0.ckpt"));
        using var result = pipeline.Run(study.BaseModel, study.Data, folder, Renamed(progress, name), cancellation);
        return study.Evaluate(result.Final, name, progress, cancellation);
    }

    /// <summary>Table 5: Iter0 on the consensus of the first K judges in the paper's order, K = 2 … all − 1 (all = the main run).</summary>
    public static IReadOnlyList<JudgeCountRun> RunJudgeCounts(MiniatureStudy study, ReproduceConfig config, string? folder,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var order = JudgePanel.PaperOrder.Where(study.Scores.Judges.Contains).ToList();
        var iter0 = config.SemiDpo.ForSeed(config.Seeds[0]).Iter0;
        var runs = new List<JudgeCountRun>();
        for (var k = 2; k < order.Count; k++)
        {
            var judges = order.Take(k).ToList();
            var split = study.SplitWith(judges);
            using var data = study.DataOf(split);
            using var model = study.BaseModel.Copy();
            var checkpoint = folder is null ? null : Path.Combine(folder, $"iter0-k{k}.ckpt");
            new DpoTrainer(iter0).Train($"Iter0, K={k}", model, study.BaseModel, data.CleanTrain, null,
                TrainingExample.Labeled(data.CleanTrain.Count).ToList(), checkpoint, progress, cancellation);
            runs.Add(new JudgeCountRun(string.Join("+", judges), k, split.CleanTrain.Length + split.CleanTest.Length, study.Config.CleanShare(split),
                ConsensusAblation.LabelAccuracy(study.Pairs, split.Clean), study.Evaluate(model, $"Iter0, K={k}", progress, cancellation)));
        }
        return runs;
    }

    static string? Folder(string? parent, string name)
    {
        if (parent is null) return null;
        var path = Path.Combine(parent, name);
        Directory.CreateDirectory(path);
        return path;
    }

    static string Slug(string name) => System.Text.RegularExpressions.Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');

    static IProgress<TrainingProgress>? Renamed(IProgress<TrainingProgress>? progress, string name) =>
        progress is null ? null : new InlineProgress<TrainingProgress>(p => progress.Report(p with { Stage = $"{name}: {p.Stage}" }));

    static IProgress<TrainingProgress>? Tagged(IProgress<TrainingProgress>? progress, int seed) =>
        progress is null ? null : new InlineProgress<TrainingProgress>(p => progress.Report(p with { Stage = $"seed {seed}: {p.Stage}" }));
}

using SemiDpo.Analysis;
using SemiDpo.Data;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using SemiDpo.World.Judges;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Reproduction;

/// <summary>
/// A prepared miniature world for experiments: its pairs, the judges' scores, the consensus split, the Stage 2 data,
/// the base model and the evaluation prompts. Built once (<see cref="Prepare"/>); training runs, ablations and
/// evaluations then share it. Owns the base model and the data.
/// </summary>
public sealed class MiniatureStudy : IDisposable
{
    readonly bool ownsBaseModel;

    MiniatureStudy(StudyConfig config, List<PreferencePair> pairs, RewardCommittee committee, ScoreTable scores,
        ConsensusSplit split, StageTwoData data, DiffusionModel baseModel, bool ownsBaseModel = true)
    {
        this.ownsBaseModel = ownsBaseModel;
        Config = config;
        Pairs = pairs;
        Committee = committee;
        Scores = scores;
        Split = split;
        Data = data;
        BaseModel = baseModel;
        var prompts = config.Bias is { } bias ? Balanced(bias, config.EvalPrompts) : SampleEvaluation.HeldOutPrompts(config.EvalPrompts);
        Prompts = Enumerable.Range(0, config.ImagesPerPrompt).SelectMany(_ => prompts).ToList();
    }

    public StudyConfig Config { get; }
    public IReadOnlyList<PreferencePair> Pairs { get; }
    public RewardCommittee Committee { get; }
    public ScoreTable Scores { get; }
    public ConsensusSplit Split { get; }
    public StageTwoData Data { get; }
    public DiffusionModel BaseModel { get; }
    /// <summary>The evaluation items: the held-out prompts, repeated <see cref="StudyConfig.ImagesPerPrompt"/> times (item i draws its own noise).</summary>
    public IReadOnlyList<string> Prompts { get; }

    /// <summary>World → judges' scores → consensus filter → Stage 2 data, and the base model. Progress: one stage per step.</summary>
    public static MiniatureStudy Prepare(StudyConfig config, Device? device = null, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        config.Validate();
        Torch.TorchRuntime.Init();
        device ??= Torch.TorchDevice.Default();
        var builder = new WorldBuilder(config.World);
        var total = config.World.Pairs + config.CleanTestPairs;
        var pairs = new List<PreferencePair>(total);
        const int chunk = 1000;
        for (var start = 0; start < total; start += chunk)
        {
            cancellation.ThrowIfCancellationRequested();
            pairs.AddRange(builder.Pairs(start, Math.Min(chunk, total - start)));
            progress?.Report(new TrainingProgress("world", pairs.Count, total, double.NaN, null, 0));
        }
        var committee = JudgePanel.Load(config.JudgesFolder, device);
        var judged = 0;
        var scores = committee.Score(pairs, progress is null ? null : new InlineProgress<string>(_ =>
            progress.Report(new TrainingProgress("judges", ++judged, committee.Judges.Count, double.NaN, null, 0))));
        progress?.Report(new TrainingProgress("judges", committee.Judges.Count, committee.Judges.Count, double.NaN, null, 0));
        var split = Filter(pairs, scores, config);
        var baseModel = BaseModelFile.Load(config.BaseModel, device);
        try
        {
            var data = StageTwoData.FromSplit(pairs, split, baseModel.Tokenizer);
            return new MiniatureStudy(config, pairs, committee, scores, split, data, baseModel);
        }
        catch
        {
            baseModel.Dispose();
            throw;
        }
    }

    /// <summary>The consensus split with a subset of the judges (Table 5); the clean test split is drawn the same way.</summary>
    public ConsensusSplit SplitWith(IReadOnlyList<string> judges) => Filter(Pairs, Scores.Select(judges), Config);

    /// <summary>Stage 2 data of another split (the caller disposes it).</summary>
    public StageTwoData DataOf(ConsensusSplit split) => StageTwoData.FromSplit(Pairs, split, BaseModel.Tokenizer);

    /// <summary>
    /// The clean-subset size ablation: keeps a seeded <paramref name="share"/> of the clean training pairs; the others
    /// join the unlabeled pairs (they are still data, only no longer known to be clean), or with
    /// <paramref name="dropRest"/> leave the data altogether (the dose-response over clean share: less labelled data,
    /// the same unlabeled pool). The test split is unchanged.
    /// </summary>
    public ConsensusSplit WithCleanShare(double share, int seed = 0, bool dropRest = false)
    {
        if (share is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(share), share, "The kept share must be in (0, 1].");
        var shuffled = Split.CleanTrain.ToArray();
        new Random(seed).Shuffle(shuffled);
        var keep = Math.Max(1, (int)Math.Round(share * shuffled.Length));
        var kept = shuffled[..keep].Order().ToArray();
        var noisy = dropRest ? Split.Noisy : Split.Noisy.Concat(shuffled[keep..]).Order().ToArray();
        return Split with { CleanTrain = kept, Noisy = noisy };
    }

    /// <summary>
    /// The same study with a seeded share <paramref name="rate"/> of the non-tie human labels flipped (on top of the
    /// annotators' own noise), Stage 1 run again on the flipped labels: the label-flip experiments of Adaptive-DPO. The
    /// images, the judges' scores, the truth and the base model are this study's (the base model stays owned by it).
    /// </summary>
    public MiniatureStudy WithFlippedLabels(double rate, int seed = 0)
    {
        if (rate is < 0 or >= 0.5) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The flip rate must be in [0, 0.5).");
        var pairs = Pairs.Select((p, i) => !p.IsTie && new Random(StableHash.Mix(seed ^ 0x5F11, i)).NextDouble() < rate
            ? p with { Label0 = p.Label1, Label1 = p.Label0 }
            : p).ToList();
        var split = Filter(pairs, Scores, Config);
        return new MiniatureStudy(Config, pairs, Committee, Scores, split, StageTwoData.FromSplit(pairs, split, BaseModel.Tokenizer), BaseModel, ownsBaseModel: false);
    }

    /// <summary>Samples one image per evaluation item (fixed seed per item, the same for every model) and scores it with the oracle and every judge.</summary>
    public ImageSetScores Evaluate(DiffusionModel model, string name, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        const int chunk = 64;
        var images = new List<Imaging.RgbImage>(Prompts.Count);
        for (var start = 0; start < Prompts.Count; start += chunk)
        {
            cancellation.ThrowIfCancellationRequested();
            var prompts = Prompts.Skip(start).Take(chunk).ToList();
            images.AddRange(model.Sample(prompts, Config.Sampler, firstIndex: start));
            progress?.Report(new TrainingProgress($"sample {name}", images.Count, Prompts.Count, double.NaN, null, 0));
        }
        return SampleEvaluation.Score(name, Prompts, images, Committee.Judges, Config.World.Weights);
    }

    /// <summary>
    /// Stage 1 over every pair; with <see cref="StudyConfig.CleanTestPairs"/> the clean pairs of the extra rows become the
    /// test split and the training world keeps all of its own clean pairs; then the slice bias
    /// (<see cref="StudyConfig.Bias"/>) and the kept share of the clean training pairs (<see cref="StudyConfig.CleanKeep"/>).
    /// </summary>
    static ConsensusSplit Filter(IReadOnlyList<PreferencePair> pairs, ScoreTable scores, StudyConfig config)
    {
        var split = ConsensusFilter.Split(pairs.Select(p => p.Label0).ToArray(), pairs.Select(p => p.Label1).ToArray(), scores, config.Consensus);
        if (config.CleanTestPairs > 0)
        {
            var world = config.World.Pairs;
            var clean = split.Clean.Order().ToArray();
            var cleanTrain = clean.Where(r => r < world).ToArray();
            var noisy = split.Noisy.Where(r => r < world).ToArray();
            split = split with { CleanTrain = cleanTrain, CleanTest = clean.Where(r => r >= world).ToArray(), Noisy = noisy, Ties = world - cleanTrain.Length - noisy.Length };
        }
        if (config.Bias is { } bias)
        {
            var failed = split.CleanTrain.Where(r => bias.InSlice(pairs[r].Caption) && new Random(StableHash.Mix(bias.Seed, r)).NextDouble() < bias.ConsensusFailure).ToHashSet();
            split = split with { CleanTrain = split.CleanTrain.Where(r => !failed.Contains(r)).ToArray(), Noisy = split.Noisy.Concat(failed).Order().ToArray() };
        }
        if (config.CleanKeep < 1)
        {
            var shuffled = split.CleanTrain.ToArray();
            new Random(0xD05E).Shuffle(shuffled);   // one order for every share: a smaller share keeps a subset of a larger one
            split = split with { CleanTrain = shuffled[..Math.Max(1, (int)Math.Round(config.CleanKeep * shuffled.Length))].Order().ToArray() };
        }
        return split;
    }

    /// <summary>Half the held-out prompts from the slice, half from the rest (the first of each in the seeded order).</summary>
    static IReadOnlyList<string> Balanced(SliceBias bias, int count)
    {
        var all = SampleEvaluation.HeldOutPrompts(int.MaxValue);
        var slice = all.Where(bias.InSlice).Take(count / 2);
        return [.. slice, .. all.Where(p => !bias.InSlice(p)).Take(count - count / 2)];
    }

    public void Dispose()
    {
        Data.Dispose();
        if (ownsBaseModel) BaseModel.Dispose();
    }
}

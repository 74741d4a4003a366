using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using SemiDpo.Training;

namespace SemiDpo.Baselines;

/// <summary>Which pairs a baseline trains on.</summary>
public enum BaselineData
{
    /// <summary>Every non-tie pair with its human label: clean train + noisy (the clean test split stays out).</summary>
    AllNonTie,
    /// <summary>The clean training pairs only (Diffusion-DPO on the clean subset = Semi-DPO's Iter0).</summary>
    CleanOnly,
    /// <summary>
    /// Every distinct image of the non-tie pairs, unpaired, desirable when it ever won, drawn with 80 % desirable ones:
    /// Diffusion-KTO's official data (<see cref="DiffusionKtoTrainer"/>; the clean test split stays out).
    /// </summary>
    SingleImages,
}

/// <summary>A method Semi-DPO is compared with: a loss and the pairs it sees; <paramref name="Key"/> names it on the command line.</summary>
public sealed record Baseline(string Key, string Name, IPreferenceLoss Loss, BaselineData Data);

/// <summary>
/// The comparisons of the paper's Tables 1–2 and the standard ones for noisy labels, trained from the base model with
/// the same trainer, step budget, batch, learning rate and seed as Semi-DPO (see <see cref="Train"/>).
/// </summary>
public static class BaselineSuite
{
    /// <summary>The keys of <see cref="Standard"/>: the paper's comparisons and the standard answer to label noise.</summary>
    public static IReadOnlyList<string> StandardKeys { get; } = ["sft", "dpo", "kto", "cdpo"];

    /// <summary>RealAlign: not a loss on the preference pairs but its own pairs and two stages (<see cref="RealAlign"/>).</summary>
    public const string RealAlignKey = "realalign";

    /// <summary>The keys of the related noise-robust methods: Poly-DPO, Adaptive-DPO and RealAlign.</summary>
    public static IReadOnlyList<string> RelatedKeys { get; } = ["poly", "adaptive", RealAlignKey];

    /// <summary>Diffusion-KTO on the preference pairs (winner desirable, loser undesirable, shared t and ε): the variant to compare the official data path ("kto") with.</summary>
    public const string PairedKtoKey = "kto-pairs";

    /// <summary>The keys <see cref="Of"/> builds a loss for: every baseline but <see cref="RealAlignKey"/>, and <see cref="PairedKtoKey"/>.</summary>
    public static IReadOnlyList<string> LossKeys { get; } = [.. StandardKeys, "poly", "adaptive", PairedKtoKey];

    /// <summary>Every compared method's key (what <c>--baselines all</c> trains): the standard and the related ones.</summary>
    public static IReadOnlyList<string> AllKeys { get; } = [.. StandardKeys, .. RelatedKeys];

    /// <summary>Every key <c>reproduce</c> accepts: <see cref="AllKeys"/> and the variant <see cref="PairedKtoKey"/>.</summary>
    public static IReadOnlyList<string> KnownKeys { get; } = [.. AllKeys, PairedKtoKey];

    /// <summary>SFT on winners, Diffusion-DPO on all non-tie pairs (the main comparison), Diffusion-KTO, conservative DPO.</summary>
    public static IReadOnlyList<Baseline> Standard(double beta = DiffusionDpoLoss.OfficialBeta, double smoothing = 0.1) => Of(StandardKeys, beta, smoothing);

    /// <summary>
    /// The loss baselines named by <paramref name="keys"/> (<see cref="LossKeys"/>), in that order, each with β =
    /// <paramref name="beta"/>: sft, dpo, kto (official single-image data), kto-pairs, cdpo (label smoothing <paramref name="smoothing"/>), poly (Poly-DPO,
    /// α = <paramref name="polyAlpha"/>), adaptive (Adaptive-DPO with the authors' settings).
    /// </summary>
    public static IReadOnlyList<Baseline> Of(IEnumerable<string> keys, double beta = DiffusionDpoLoss.OfficialBeta, double smoothing = 0.1,
        double polyAlpha = PolyDpoLoss.PickapicAlpha) => keys.Select(key => key switch
    {
        "sft" => new Baseline(key, "SFT (winners)", new SupervisedFineTuningLoss(), BaselineData.AllNonTie),
        "dpo" => new Baseline(key, "Diffusion-DPO (all)", new DiffusionDpoLoss(beta), BaselineData.AllNonTie),
        "kto" => new Baseline(key, "Diffusion-KTO", new DiffusionKtoLoss(beta), BaselineData.SingleImages),
        PairedKtoKey => new Baseline(key, "Diffusion-KTO (pairs)", new DiffusionKtoLoss(beta), BaselineData.AllNonTie),
        "cdpo" => new Baseline(key, $"cDPO (ε={smoothing:G2})", new ConservativeDpoLoss(beta, smoothing), BaselineData.AllNonTie),
        "poly" => new Baseline(key, $"Poly-DPO (α={polyAlpha:G3})", new PolyDpoLoss(beta, polyAlpha), BaselineData.AllNonTie),
        "adaptive" => new Baseline(key, "Adaptive-DPO", new AdaptiveDpoLoss(new AdaptiveDpoConfig(Beta: beta)), BaselineData.AllNonTie),
        _ => throw new ArgumentException($"Unknown baseline '{key}'; known: {string.Join(", ", KnownKeys)}.", nameof(keys)),
    }).ToList();

    /// <summary>
    /// Trains a copy of <paramref name="baseModel"/> (the caller owns the result). <paramref name="budget"/> is the
    /// stage config; <see cref="Method.SemiDpoConfig.TotalBudget"/> gives Semi-DPO's (all its iterations' steps in one stage).
    /// Any <see cref="IDiffusionModel"/> trains: the world's model or Stable Diffusion, in full or through LoRA.
    /// </summary>
    /// <param name="baseView">
    /// The reference as seen from the trained copy (LoRA: the copy with its adapters off, so no second UNet is held);
    /// null: <paramref name="baseModel"/> itself, as <see cref="Method.SemiDpoPipeline{TModel}.BaseView"/>.
    /// </param>
    public static (TModel Model, TrainingLog Log) Train<TModel>(Baseline baseline, TModel baseModel, StageTwoData data,
        DpoTrainConfig budget, string? checkpoint = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default,
        Func<TModel, IDiffusionModel>? baseView = null)
        where TModel : class, IDiffusionModel
    {
        var examples = TrainingExample.Labeled(data.CleanTrain.Count).ToList();
        if (baseline.Data == BaselineData.AllNonTie) examples.AddRange(TrainingExample.HumanLabeled(data.Unlabeled.Count, fromUnlabeled: true));
        var policy = (TModel)baseModel.Copy();
        try
        {
            var reference = baseView?.Invoke(policy) ?? baseModel;
            if (baseline.Data == BaselineData.SingleImages)
            {
                var kto = baseline.Loss as DiffusionKtoLoss ?? throw new ArgumentException($"{baseline.Name}: single images train Diffusion-KTO only.", nameof(baseline));
                return (policy, new DiffusionKtoTrainer(budget, kto).Train(baseline.Name, policy, reference, [data.CleanTrain, data.Unlabeled], checkpoint, progress, cancellation));
            }
            var log = new DpoTrainer(budget, baseline.Loss).Train(baseline.Name, policy, reference, data.CleanTrain, data.Unlabeled, examples, checkpoint, progress, cancellation);
            return (policy, log);
        }
        catch
        {
            policy.Dispose();
            throw;
        }
    }
}

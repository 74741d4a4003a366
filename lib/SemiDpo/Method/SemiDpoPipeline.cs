using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using SemiDpo.Training;

namespace SemiDpo.Method;

/// <summary>What one iteration did.</summary>
/// <param name="Thresholds">Per-interval thresholds (Iter i &gt; 0).</param>
/// <param name="Labels">Pseudo-labels of the unlabeled pairs (Iter i &gt; 0).</param>
/// <param name="LabeledPairs">Clean pairs trained on (the iteration's anchors).</param>
/// <param name="TestAccuracyAfter">Mean implicit accuracy on the clean test split over the 10 anchors, against the base model, after training (NaN for the controls, which do not need it).</param>
/// <param name="Confidence">Iter i &gt; 0: the previous model's z on the clean test pairs and on the unlabeled pairs it pseudo-labelled.</param>
public sealed record IterationReport(
    string Name, string? Checkpoint, TrainingLog Log, IReadOnlyList<IntervalThreshold>? Thresholds, PseudoLabels? Labels,
    int LabeledPairs, double TestAccuracyAfter, (ConfidenceTable Test, ConfidenceTable Unlabeled)? Confidence = null)
{
    /// <summary>The iteration's clean anchors, as positions in the clean training set (what its pseudo_labels.json lists as +1).</summary>
    public IReadOnlyList<int> Anchors { get; init; } = [];

    /// <summary>Share of the iteration's training pairs that are pseudo-labelled (each term's share of the draws when mixing by count).</summary>
    public double PseudoLabelledShare => Labels is null ? 0 : Labels.PairsAccepted / (double)(LabeledPairs + Labels.PairsAccepted);
}

/// <summary>What <see cref="SemiDpoPipeline{TModel}.Run"/> produced; disposing it frees the final model and the scored sample.</summary>
/// <param name="ownsScored">Whether <see cref="Scored"/> is a sample made for the run (disposed with it) rather than the data's own set.</param>
public sealed class SemiDpoResult<TModel>(IReadOnlyList<IterationReport> reports, TModel final, PairSet scored, bool ownsScored) : IDisposable
    where TModel : class, IDiffusionModel
{
    /// <summary>One per iteration: its log, thresholds (Table 7), pseudo-labels and clean-test accuracy.</summary>
    public IReadOnlyList<IterationReport> Reports { get; } = reports;

    /// <summary>The last iteration's model.</summary>
    public TModel Final { get; } = final;

    /// <summary>
    /// The unlabeled pairs the iterations scored and pseudo-labelled (the <see cref="PseudoLabels"/> of the reports index
    /// them): a sample of the noisy pairs with <see cref="SemiDpoConfig.UnlabeledSample"/>, all of them otherwise.
    /// </summary>
    public PairSet Scored { get; } = scored;

    public void Dispose()
    {
        Final.Dispose();
        if (ownsScored) Scored.Dispose();
    }
}

/// <summary>
/// Runs Iter0 → Iter1 → … (the paper's Stage 2, Eq. 8–10): Iter0 trains on the clean pairs; Iter i &gt; 0 scores the unlabeled
/// pairs with the previous model (<see cref="ConfidenceScorer"/>), sets per-interval thresholds on the clean test split
/// (<see cref="ThresholdSchedule"/>), pseudo-labels (<see cref="PseudoLabeler"/>) and trains the previous model further
/// on its clean anchors (<see cref="SemiDpoConfig.Anchors"/>) + the pseudo-labeled pairs. With
/// <see cref="SemiDpoConfig.Term"/> set to a control, the same iterations, steps, schedules and reference resets run
/// without pseudo-labels (clean anchors only, or all pairs with their human labels). Each iteration writes <c>iter{i}.ckpt</c> in the output folder and is skipped
/// (resumed) when that checkpoint is complete. Any <see cref="IDiffusionModel"/> trains: the world's model
/// (<see cref="World.Model.SemiDpoPipeline"/>) or Stable Diffusion, in full or through LoRA.
/// </summary>
public class SemiDpoPipeline<TModel>(SemiDpoConfig config) where TModel : class, IDiffusionModel
{
    /// <summary>
    /// The base model as seen from a model derived from it, used wherever the base model is the reference (Iter0's
    /// training, confidence, clean-test accuracy): for LoRA, the model with its adapters off, so that no second UNet
    /// is held. Null: the base model passed to <see cref="Run"/> itself.
    /// </summary>
    public Func<TModel, IDiffusionModel>? BaseView { get; init; }

    /// <summary>
    /// How Iter i &gt; 0's policy starts from the previous model (given it and i): for LoRA under the official rule, the
    /// previous adapters fused and fresh ones added. Null: a <see cref="IDiffusionModel.Copy"/> of the previous model.
    /// </summary>
    public Func<TModel, int, TModel>? NextPolicy { get; init; }

    /// <summary>
    /// The previous model as seen from the policy made from it by <see cref="NextPolicy"/> (LoRA under the fuse rule: the
    /// policy with its adapters off holds the previous model's weights, merged), used where the previous model is the
    /// reference; the previous model itself is then released as soon as the policy exists. Null: the previous model.
    /// </summary>
    public Func<TModel, IDiffusionModel>? PreviousView { get; init; }

    /// <summary>
    /// Called on a model from the moment it is never trained or copied again and serves only as a reference (the base
    /// once Iter0's policy is copied from it, each iteration's model once the next policy is): e.g. to hold it in
    /// bfloat16, as the official mixed-precision run holds its reference UNet. Null: kept as it is.
    /// </summary>
    public Action<TModel>? AsReference { get; init; }

    /// <summary>
    /// Pseudo-labels given from outside for Iter i &gt; 0 over the scored pairs (e.g. the official pipeline's
    /// pseudo_labels.json, <see cref="Official.PseudoLabelFile"/>): when it returns labels, that iteration trains on
    /// them instead of scoring the pairs and fitting thresholds. Null, or null for an iteration: computed here.
    /// </summary>
    public Func<int, PairSet, PseudoLabels?>? GivenLabels { get; init; }

    /// <summary>
    /// Whether each pseudo-labelling iteration's model is scored on the clean test split after training (its accuracy is
    /// reported and sets the next iteration's thresholds). A run whose every label is given (<see cref="GivenLabels"/>)
    /// may skip it.
    /// </summary>
    public bool MeasureCleanTest { get; init; } = true;

    /// <param name="afterIteration">Called with each iteration's report and model (owned by the pipeline: copy it to keep it).</param>
    /// <returns>The reports, the final model and the unlabeled pairs scored; the caller disposes it.</returns>
    public SemiDpoResult<TModel> Run(TModel baseModel, StageTwoData data, string? outputFolder,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default,
        Action<IterationReport, TModel>? afterIteration = null)
    {
        IDiffusionModel Base(TModel derived) => BaseView?.Invoke(derived) ?? baseModel;
        config.Validate();
        if (data.CleanTrain.Count == 0) throw new TrainingException("The clean training set is empty: consensus filtering kept no pair.");
        if (outputFolder is not null) Directory.CreateDirectory(outputFolder);
        var pseudo = config.Term == UnlabeledTerm.PseudoLabels;
        // The pairs beside the clean ones: the scored sample (Semi-DPO) or every noisy pair (the all-data control).
        var unlabeled = config.Term == UnlabeledTerm.HumanLabels ? data.Unlabeled : SampleUnlabeled(data.Unlabeled);
        var labelledBefore = new bool[unlabeled.Count];   // pseudo-labelled in an earlier iteration
        var anchoredBefore = new bool[data.CleanTrain.Count];   // a clean anchor of an earlier pseudo-labelling iteration (listed in its pseudo_labels.json)
        var reports = new List<IterationReport>();
        var models = new List<TModel> { baseModel };   // base, Iter0, Iter1, …
        var margins = new ReferenceMarginCache();
        (ConfidenceTable Z, double Beta)? lastTest = null;     // the previous model's z on the clean test split, against the base model
        try
        {
            for (var i = 0; i < config.Iterations; i++)
            {
                var name = $"Iter{i}";
                var previous = models[^1];
                var trainConfig = i == 0 ? config.Iter0 : config.Later;
                var anchors = config.Term == UnlabeledTerm.HumanLabels ? Enumerable.Range(0, data.CleanTrain.Count).ToArray() : AnchorsOf(i, data.CleanTrain);
                var examples = TrainingExample.Labeled(anchors).ToList();
                if (config.Term == UnlabeledTerm.HumanLabels) examples.AddRange(TrainingExample.HumanLabeled(unlabeled.Count, fromUnlabeled: true));
                IReadOnlyList<IntervalThreshold>? thresholds = null;
                PseudoLabels? labels = null;
                (ConfidenceTable, ConfidenceTable)? confidence = null;
                if (i > 0 && pseudo && GivenLabels?.Invoke(i, unlabeled) is { } given)
                {
                    if (given.Accepted.Length != unlabeled.Count)
                        throw new ArgumentException($"{name}: {given.Accepted.Length} given labels for {unlabeled.Count} scored pairs.");
                    if (given.PairsAccepted == 0) throw new TrainingException($"{name}: the given pseudo-labels label none of the {unlabeled.Count:N0} scored pairs; nothing was trained or overwritten.");
                    labels = given;
                }
                else if (i > 0 && pseudo)
                {
                    var confidenceReference = config.ConfidenceReference == ReferenceChoice.Base ? Base(previous) : models[^2];
                    var scorer = new ConfidenceScorer(new DiffusionDpoLoss(trainConfig.Beta), config.Confidence, margins);
                    var zTest = config.ConfidenceReference == ReferenceChoice.Base && lastTest is { } last && last.Beta == trainConfig.Beta
                        ? last.Z   // measured after the previous iteration: the same model, reference, pairs, noise and β
                        : scorer.Score(previous, confidenceReference, data.CleanTest, Report(progress, $"{name} confidence (test)"), cancellation);
                    // Pairs labelled in an earlier iteration rank last (z = 0, never accepted) and are not scored again.
                    var candidates = Enumerable.Range(0, unlabeled.Count).Where(p => !(config.PastLabelsLast && labelledBefore[p])).ToArray();
                    var zUnlabeled = scorer.Score(previous, confidenceReference, unlabeled, Report(progress, $"{name} confidence"), cancellation,
                        candidates.Length == unlabeled.Count ? null : candidates);
                    // The official population counts the clean training pairs too; the official scripts rank last the clean
                    // anchors an earlier pseudo_labels.json lists (they are passed as past labels), which need no scoring.
                    var cleanCandidates = config.Thresholds.Population == ThresholdPopulation.Official && config.PastLabelsLast
                        ? Enumerable.Range(0, data.CleanTrain.Count).Where(p => !anchoredBefore[p]).ToArray()
                        : null;
                    var zClean = config.Thresholds.Population is ThresholdPopulation.AllScored or ThresholdPopulation.Official
                        ? scorer.Score(previous, confidenceReference, data.CleanTrain, Report(progress, $"{name} confidence (clean)"), cancellation,
                            cleanCandidates is null || cleanCandidates.Length == data.CleanTrain.Count ? null : cleanCandidates)
                        : null;
                    thresholds = ThresholdSchedule.Fit(config.Thresholds, zTest, zUnlabeled, unlabeled.HumanIsTrue, zClean, labelledBefore);
                    labels = PseudoLabeler.Label(zUnlabeled, thresholds);
                    confidence = (zTest, zUnlabeled);
                    if (labels.PairsAccepted == 0)
                        throw new TrainingException($"{name}: no unlabeled pair passed the thresholds (τ = {string.Join(", ", thresholds.Select(r => r.Tau.ToString("G3")))}); nothing was trained or overwritten.");
                }
                if (labels is not null)
                {
                    examples.AddRange(TrainingExample.PseudoLabeled(labels));
                    for (var p = 0; p < labels.Accepted.Length; p++) labelledBefore[p] |= labels.Accepted[p] != 0;
                    foreach (var a in anchors) anchoredBefore[a] = true;
                }
                // Only the base and the previous model are needed from here on: an older iteration's model goes now, so
                // at most three models (SD1.5: three UNets) are alive at once, whatever the number of iterations.
                foreach (var old in models.Skip(1).SkipLast(1)) old.Dispose();
                models.RemoveRange(1, Math.Max(0, models.Count - 2));
                var policy = i > 0 && NextPolicy is { } next ? next(previous, i) : (TModel)previous.Copy();
                if (i > 0 && (config.TrainingReference == ReferenceChoice.Base || PreviousView is not null) && config.ConfidenceReference == ReferenceChoice.Base)
                {
                    previous.Dispose();   // no later use: neither this iteration's reference (or it is seen from the policy) nor the next one's
                    models.RemoveAt(models.Count - 1);
                }
                else AsReference?.Invoke(previous);
                models.Add(policy);
                var trainingReference = i == 0 || config.TrainingReference == ReferenceChoice.Base ? Base(policy) : PreviousView?.Invoke(policy) ?? previous;
                var checkpoint = outputFolder is null ? null : Path.Combine(outputFolder, $"iter{i}.ckpt");
                var log = new DpoTrainer(trainConfig with { Seed = trainConfig.Seed + i }).Train(name, policy, trainingReference,
                    data.CleanTrain, unlabeled, examples, checkpoint, progress, cancellation);
                var accuracy = double.NaN;
                if (pseudo && MeasureCleanTest)   // the next iteration's thresholds need it; the controls skip it
                {
                    var after = new ConfidenceScorer(new DiffusionDpoLoss(trainConfig.Beta), config.Confidence, margins)
                        .Score(policy, Base(policy), data.CleanTest, Report(progress, $"{name} clean-test accuracy"), cancellation);
                    lastTest = (after, trainConfig.Beta);
                    accuracy = ThresholdSchedule.MeanAccuracy(after);
                }
                reports.Add(new IterationReport(name, checkpoint, log, thresholds, labels, anchors.Length, accuracy, confidence) { Anchors = anchors });
                afterIteration?.Invoke(reports[^1], policy);
            }
            return new SemiDpoResult<TModel>(reports, models[^1], unlabeled, ownsScored: !ReferenceEquals(unlabeled, data.Unlabeled));
        }
        catch
        {
            if (models.Count > 1) models[^1].Dispose();
            if (!ReferenceEquals(unlabeled, data.Unlabeled)) unlabeled.Dispose();
            throw;
        }
        finally
        {
            foreach (var model in models.Skip(1).SkipLast(1)) model.Dispose();
        }
    }

    /// <summary>
    /// The clean pairs Iter <paramref name="iteration"/> trains on: all of them for Iter0 (and with
    /// <see cref="CleanAnchors.All"/>); with <see cref="CleanAnchors.Thirds"/> the clean training pairs sorted by source
    /// row and split into three disjoint parts as numpy's <c>array_split</c> does, Iter i taking part (i − 1) mod 3.
    /// </summary>
    public int[] AnchorsOf(int iteration, PairSet cleanTrain)
    {
        var all = Enumerable.Range(0, cleanTrain.Count).ToArray();
        if (iteration == 0 || config.Anchors == CleanAnchors.All) return all;
        var byRow = all.OrderBy(i => cleanTrain.Rows[i]).ThenBy(i => i).ToArray();
        var chosen = byRow[CleanAnchorParts.Third(byRow.Length, (iteration - 1) % 3)];
        Array.Sort(chosen);
        return chosen;
    }

    PairSet SampleUnlabeled(PairSet unlabeled) =>
        config.UnlabeledSample == 0 || config.UnlabeledSample >= unlabeled.Count ? unlabeled : unlabeled.Subset(config.UnlabeledSample, config.Confidence.Seed);

    static IProgress<(int Done, int Total)>? Report(IProgress<TrainingProgress>? progress, string stage) =>
        progress is null ? null : new InlineProgress<(int Done, int Total)>(p => progress.Report(new TrainingProgress(stage, p.Done, p.Total, double.NaN, null, 0)));
}

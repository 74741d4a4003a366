using System.Text.Json;
using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Distributed;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Training;

/// <summary>Loss and implicit accuracy of every optimizer step of a stage.</summary>
public sealed record TrainingLog(string Stage, List<double> Loss, List<double> Accuracy);

/// <summary>
/// Trains a policy with a preference loss (default <see cref="DiffusionDpoLoss"/> with the config's β; the baselines
/// pass theirs) against a frozen reference on a list of <see cref="TrainingExample"/>s (one stage: Iter0, Iter1, … or
/// a baseline). Each example draws one t uniformly from
/// its allowed intervals and takes that interval's winner/loser; clean and unlabeled examples share a batch by count
/// or per term (<see cref="TermMixing"/>); AdamW with warmup, gradient clipping and accumulation
/// to the global batch; resumable checkpoints (with the state of a stateful loss, <see cref="IStatefulPreferenceLoss"/>); a non-finite loss stops the stage naming the step, the batch and the
/// last good checkpoint, with the weights untouched.
/// </summary>
public sealed class DpoTrainer(DpoTrainConfig config, IPreferenceLoss? objective = null)
{
    public TrainingLog Train(string stage, IDiffusionModel policy, IDiffusionModel reference, PairSet labeled, PairSet? unlabeled,
        IReadOnlyList<TrainingExample> examples, string? checkpoint, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        config.Validate();
        if (examples.Count == 0) throw new TrainingException($"{stage}: no training pairs (empty clean set, and no pseudo-label accepted).");
        if (unlabeled is null && examples.Any(e => e.FromUnlabeled)) throw new ArgumentException("Examples refer to an unlabeled set that was not given.", nameof(unlabeled));
        if (unlabeled is not null && unlabeled.IsLatent != labeled.IsLatent) throw new ArgumentException("The labeled and unlabeled sets must both hold images or both cached latents.", nameof(unlabeled));
        config.CheckFlips(stage, labeled, unlabeled);
        var loss = objective ?? new DiffusionDpoLoss(config.Beta);
        using var run = new TrainingStage(stage, config, policy, RunConfigJson(stage, loss, examples), checkpoint, loss as IStatefulPreferenceLoss);

        // By count: one shuffled set. Per term: the clean and the unlabeled examples each fill half of every batch.
        var perTerm = config.Mixing == TermMixing.PerTerm && examples.Any(e => e.FromUnlabeled) && examples.Any(e => !e.FromUnlabeled);
        var terms = perTerm
            ? new[] { (Examples: examples.Where(e => !e.FromUnlabeled).ToArray(), Weight: 1.0), (Examples: examples.Where(e => e.FromUnlabeled).ToArray(), Weight: config.UnlabeledWeight) }
            : [(Examples: examples.ToArray(), Weight: 1.0)];
        var orders = terms.Select((term, k) => new EpochOrder(term.Examples.Length, config.Seed + k)).ToArray();
        var termBatch = config.BatchSize / terms.Length;
        reference.Network.eval();
        policy.Network.train();
        var world = DataParallel.World;
        var microBatches = terms.Sum(_ => (termBatch + config.MicroBatch - 1) / config.MicroBatch);
        if (microBatches < world.Size)
            throw new ArgumentException($"{stage}: a step of {config.BatchSize} pairs in micro-batches of {config.MicroBatch} has {microBatches} micro-batch(es), fewer than the {world.Size} ranks: lower --micro-batch or use fewer ranks.");
        if (world.IsDistributed && loss is IStatefulPreferenceLoss)
            throw new ArgumentException($"{stage}: {loss.Name} keeps state from each batch, which ranks would keep apart; train it in one process.");
        while (run.Next(cancellation))
        {
            var rng = new Random(StableHash.Mix(config.Seed ^ 0x7D9, run.Step));
            // Per micro-batch: its share of the step's loss and accuracy, its denoising losses (NaN: none) and a non-finite
            // flag, filled by the rank that computed it and summed across ranks (the others add zeros), so every rank
            // logs exactly what one process would.
            var results = new double[microBatches * MicroResult.Width];
            string? nonFinite = null;
            var m = 0;
            for (var k = 0; k < terms.Length && nonFinite is null; k++)
            {
                var batch = orders[k].Batch(run.Step, termBatch).Select(i => terms[k].Examples[i]).ToArray();
                for (var start = 0; start < batch.Length && nonFinite is null; start += config.MicroBatch, m++)
                {
                    using var scope = NewDisposeScope();
                    var micro = batch[start..Math.Min(batch.Length, start + config.MicroBatch)];
                    // Every rank draws every micro-batch's timesteps and noise, so each one's draws are the single process's;
                    // another rank's micro-batch is drawn without reading or encoding its pairs.
                    if (m % world.Size != world.Rank)
                    {
                        SkipInputs(micro, labeled, unlabeled, policy, rng, run.Generator, config.HorizontalFlip);
                        continue;
                    }
                    var (w, l, tokens, t, noise) = Inputs(micro, labeled, unlabeled, policy, rng, run.Generator, config.HorizontalFlip);
                    var output = loss.Compute(policy, reference, w, l, tokens, t, noise);
                    var value = output.Loss.item<float>();
                    if (!float.IsFinite(value))
                    {
                        nonFinite = $"loss is {value} on pairs [{string.Join(", ", micro.Select(e => (e.FromUnlabeled ? "u" : "c") + e.Index))}]";
                        MicroResult.NonFinite(results, m);
                        break;
                    }
                    var share = terms[k].Weight * micro.Length / batch.Length;   // Eq. 8: mean over each term, the unlabeled one × λ
                    (output.Loss * share).backward();
                    var (model, referenceLoss) = output.DenoisingLosses();
                    MicroResult.Write(results, m, value * share, output.Accuracy() * micro.Length / config.BatchSize, model, referenceLoss, micro.Length / (double)config.BatchSize);
                }
            }
            world.AllReduceSum(results, $"{stage} step {run.Step}'s losses");
            if (nonFinite is not null || MicroResult.AnyNonFinite(results))
                throw run.NonFinite(nonFinite ?? "a loss is not finite on another rank's micro-batch");
            GradientAllReduce.Apply(world, run.Parameters);
            var (stepLoss, stepAccuracy, denoising) = MicroResult.Sum(results);
            run.EndStep(stepLoss, stepAccuracy, progress, denoising.Model, denoising.Reference);
        }
        return run.Log;
    }

    string RunConfigJson(string stage, IPreferenceLoss loss, IReadOnlyList<TrainingExample> examples) => JsonSerializer.Serialize(new
    {
        Stage = stage,
        Loss = loss.Name,
        Config = config,
        Examples = examples.Count,
        Fingerprint = examples.Aggregate(17L, (h, e) => h * 31 + e.Index * 7 + e.Intervals * 3 + e.Swap + (e.FromUnlabeled ? 1 : 0)),
    });

    /// <summary>
    /// A micro-batch as the loss takes it: winners and losers as x_0 in the training space (see <see cref="Gather"/>),
    /// tokens, timesteps and the noise, every draw from <paramref name="rng"/> and <paramref name="generator"/>.
    /// </summary>
    internal static (Tensor W, Tensor L, Tensor Tokens, Tensor T, Tensor Noise) Inputs(TrainingExample[] micro, PairSet labeled, PairSet? unlabeled,
        IDiffusionModel policy, Random rng, Generator generator, bool mirror)
    {
        var (w, l, tokens, t) = Gather(micro, labeled, unlabeled, policy.Device, rng, generator, mirror);
        if (!labeled.IsLatent) (w, l) = (policy.ToTrainingSpace(w, generator), policy.ToTrainingSpace(l, generator));
        return (w, l, tokens, t, Noise.Like(w, generator));
    }

    /// <summary>
    /// Draws from <paramref name="rng"/> and <paramref name="generator"/> exactly what <see cref="Inputs"/> draws, reading
    /// and encoding nothing: a data-parallel rank passes over the other ranks' micro-batches at the cost of their random
    /// numbers, not of their images (32 ranks would otherwise each read, and without a latent cache VAE-encode, 32 times
    /// the pairs they train on).
    /// </summary>
    internal static void SkipInputs(TrainingExample[] micro, PairSet labeled, PairSet? unlabeled, IDiffusionModel policy, Random rng, Generator generator, bool mirror)
    {
        DrawExamples(micro, rng, mirror);
        var fromUnlabeled = micro.Count(e => e.FromUnlabeled);
        if (micro.Length > fromUnlabeled) labeled.SkipDraws(micro.Length - fromUnlabeled, generator);
        if (fromUnlabeled > 0) unlabeled!.SkipDraws(fromUnlabeled, generator);
        var item = labeled.ItemShape;
        if (!labeled.IsLatent)
            for (var side = 0; side < 2; side++) policy.SkipTrainingSpaceDraws(micro.Length, (int)item[1], (int)item[2], generator);
        var x0 = labeled.IsLatent ? item : policy.TrainingShape((int)item[1], (int)item[2]);
        Noise.Skip([micro.Length, .. x0], ScalarType.Float32, generator);   // the noise
    }

    /// <summary>Each example's timestep (uniform over its allowed intervals), whether its pair is swapped at that interval, and whether it is mirrored.</summary>
    static (long[] Timesteps, bool[] Swap, bool[] Mirrored) DrawExamples(TrainingExample[] micro, Random rng, bool mirror)
    {
        var timesteps = new long[micro.Length];
        var swap = new bool[micro.Length];
        var mirrored = new bool[micro.Length];
        for (var i = 0; i < micro.Length; i++)
        {
            timesteps[i] = TimestepIntervals.Draw(micro[i].Intervals, rng, out var interval);
            swap[i] = (micro[i].Swap & (1 << interval)) != 0;
            mirrored[i] = mirror && rng.NextDouble() < 0.5;
        }
        return (timesteps, swap, mirrored);
    }

    /// <summary>
    /// Winners, losers (after each example's swap at its drawn interval), tokens and timesteps of a micro-batch; with
    /// <paramref name="mirror"/>, each pair's two images flipped left–right together with probability ½.
    /// </summary>
    internal static (Tensor W, Tensor L, Tensor Tokens, Tensor T) Gather(TrainingExample[] micro, PairSet labeled, PairSet? unlabeled, Device device, Random rng,
        Generator generator, bool mirror = false)
    {
        var (timesteps, swap, mirrored) = DrawExamples(micro, rng, mirror);
        var parts = new List<(Tensor W, Tensor L, Tensor Tokens)>();
        var order = new List<int>();
        foreach (var (set, fromUnlabeled) in new[] { (labeled, false), (unlabeled, true) })
        {
            var members = Enumerable.Range(0, micro.Length).Where(i => micro[i].FromUnlabeled == fromUnlabeled).ToArray();
            if (members.Length == 0) continue;
            parts.Add(set!.Batch(tensor(members.Select(i => (long)micro[i].Index).ToArray()), device, generator, mirror ? members.Select(i => mirrored[i]).ToArray() : null));
            order.AddRange(members);
        }
        var w = cat(parts.Select(p => p.W).ToList(), 0);
        var l = cat(parts.Select(p => p.L).ToList(), 0);
        var tokens = cat(parts.Select(p => p.Tokens).ToList(), 0);
        var t = tensor(order.Select(i => timesteps[i]).ToArray(), device: device);
        var swapped = tensor(order.Select(i => swap[i]).ToArray(), device: device).view(-1, 1, 1, 1);
        (w, l) = (where(swapped, l, w), where(swapped, w, l));
        return (w, l, tokens, t);
    }

    /// <summary>The policy's and reference's denoising losses over a step's micro-batches, each weighted by its share of the batch.</summary>
    internal sealed class DenoisingMeans
    {
        public double? Model { get; private set; }
        public double? Reference { get; private set; }

        public void Add(LossOutput output, double share)
        {
            var (model, reference) = output.DenoisingLosses();
            Add(model, reference, share);
        }

        public void Add(double? model, double? reference, double share)
        {
            if (model is { } m) Model = (Model ?? 0) + m * share;
            if (reference is { } r) Reference = (Reference ?? 0) + r * share;
        }
    }

    /// <summary>A micro-batch's slot in a step's results: loss share, accuracy share, denoising losses and their weight, non-finite flag.</summary>
    static class MicroResult
    {
        public const int Width = 6;

        public static void Write(double[] results, int m, double loss, double accuracy, double? model, double? reference, double weight)
        {
            var slot = results.AsSpan(m * Width, Width);
            (slot[0], slot[1], slot[2], slot[3], slot[4]) = (loss, accuracy, model ?? double.NaN, reference ?? double.NaN, weight);
        }

        public static void NonFinite(double[] results, int m) => results[m * Width + 5] = 1;

        public static bool AnyNonFinite(double[] results) => Enumerable.Range(0, results.Length / Width).Any(m => results[m * Width + 5] != 0);

        /// <summary>The step's loss, accuracy and denoising means, summed in micro-batch order as one process sums them.</summary>
        public static (double Loss, double Accuracy, DenoisingMeans Denoising) Sum(double[] results)
        {
            double loss = 0, accuracy = 0;
            var denoising = new DenoisingMeans();
            for (var m = 0; m < results.Length / Width; m++)
            {
                var slot = results.AsSpan(m * Width, Width);
                loss += slot[0];
                accuracy += slot[1];
                denoising.Add(double.IsNaN(slot[2]) ? null : slot[2], double.IsNaN(slot[3]) ? null : slot[3], slot[4]);
            }
            return (loss, accuracy, denoising);
        }
    }

    /// <summary>Shuffled passes over the examples; step k's batch depends only on (seed, k), so resuming repeats nothing.</summary>
    sealed class EpochOrder(int count, int seed)
    {
        readonly Dictionary<long, int[]> permutations = [];

        public IEnumerable<int> Batch(long step, int size)
        {
            for (var position = (step - 1) * size; position < step * size; position++)
                yield return Permutation(position / count)[position % count];
        }

        int[] Permutation(long epoch)
        {
            if (permutations.TryGetValue(epoch, out var p)) return p;
            permutations.Clear();
            p = Enumerable.Range(0, count).ToArray();
            new Random(StableHash.Mix(seed, epoch)).Shuffle(p);
            return permutations[epoch] = p;
        }
    }
}

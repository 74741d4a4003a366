using SemiDpo.Diffusion;
using SemiDpo.Distributed;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using static TorchSharp.torch;

namespace SemiDpo.Method;

/// <summary>Implicit-classifier logits z^(t) (N pairs × 10 anchors) of a model against a reference.</summary>
public sealed record ConfidenceTable(float[,] Z)
{
    public int Pairs => Z.GetLength(0);

    public float[] Interval(int j) => Enumerable.Range(0, Pairs).Select(i => Z[i, j]).ToArray();
}

/// <summary>Confidence settings.</summary>
/// <param name="NoiseDraws">Noise draws per pair, each reused at all 10 anchors; z is their mean (official code: 1).</param>
/// <param name="BatchSize">Pairs per forward (16 pairs = 32 images was the fastest per image on 2 CPU cores; 64 pairs took 2× longer per image).</param>
/// <param name="Seed">Seeds each pair's noise by (seed, pair, draw), so a pair's z does not depend on the batch.</param>
public sealed record ConfidenceConfig(int NoiseDraws = 1, int BatchSize = 16, int Seed = 2024);

/// <summary>
/// The reference's margins e_ref(x^w) − e_ref(x^l) per pair, noise draw and anchor, kept per (reference model, pair
/// set, confidence config): with a frozen reference (the base model, as the official code) every iteration needs the
/// same numbers, so they are computed once. Models and pair sets are compared by reference; keep one cache per run.
/// </summary>
public sealed class ReferenceMarginCache
{
    /// <summary>Per (reference, pairs, config): margins [pair, draw, anchor] and which pairs have them.</summary>
    internal Dictionary<(IDiffusionModel Reference, PairSet Pairs, ConfidenceConfig Config), (float[] Margins, bool[] Known)> Margins { get; } = [];
}

/// <summary>
/// The previous model as an implicit classifier (the paper's Stage 2): for each pair (human winner first) and anchor t, z^(t)
/// of <see cref="DiffusionDpoLoss"/> with the model as policy against a reference; z &gt; 0 agrees with the human label.
/// With a <see cref="ReferenceMarginCache"/>, the reference's forwards run once per pair set.
/// </summary>
public sealed class ConfidenceScorer(DiffusionDpoLoss loss, ConfidenceConfig config, ReferenceMarginCache? cache = null)
{
    /// <summary>Pairs per forward: the chosen pairs are scored in consecutive batches of this many.</summary>
    public int BatchSize => config.BatchSize;

    /// <param name="only">Score only these pairs (ascending indices into <paramref name="pairs"/>); the others' z is 0.
    /// A pair's noise depends on its index in <paramref name="pairs"/>, so its z is the same either way.</param>
    /// <remarks>
    /// Under MPI (<see cref="DataParallel"/>) rank r scores batches r, r + N, … of the same batches one process forms,
    /// and the ranks sum their z and newly computed reference margins (zeros elsewhere, so the sums are exact): every
    /// rank ends with one process's table and cache.
    /// </remarks>
    public ConfidenceTable Score(IDiffusionModel model, IDiffusionModel reference, PairSet pairs, IProgress<(int Done, int Total)>? progress = null,
        CancellationToken cancellation = default, IReadOnlyList<int>? only = null)
    {
        var anchors = TimestepIntervals.Count;
        var z = new float[pairs.Count, anchors];
        var chosen = only?.ToArray() ?? Enumerable.Range(0, pairs.Count).ToArray();
        var key = (reference, pairs, config);
        var (referenceMargins, known) = cache is not null && cache.Margins.TryGetValue(key, out var cached)
            ? cached
            : (new float[pairs.Count * config.NoiseDraws * anchors], new bool[pairs.Count]);   // [pair, draw, anchor]
        if (cache is not null) cache.Margins[key] = (referenceMargins, known);
        var world = DataParallel.World;
        var fresh = world.IsDistributed ? new float[referenceMargins.Length] : referenceMargins;   // this rank's new margins
        var freshKnown = new float[pairs.Count];
        using var noGrad = no_grad();
        var (modelWasTraining, referenceWasTraining) = (model.Network.training, reference.Network.training);
        model.Network.eval();
        reference.Network.eval();
        try
        {
            for (var (start, batch) = (0, 0); start < chosen.Length; start += config.BatchSize, batch++)
            {
                cancellation.ThrowIfCancellationRequested();
                if (batch % world.Size != world.Rank) continue;
                using var scope = NewDisposeScope();
                var members = chosen[start..Math.Min(chosen.Length, start + config.BatchSize)];
                var count = members.Length;
                var haveReference = members.All(i => known[i]);
                var (w, l, tokens) = model.Batch(pairs, members, config.Seed);
                var sum = zeros(count, anchors, device: model.Device);
                for (var draw = 0; draw < config.NoiseDraws; draw++)
                {
                    var noise = cat(members.Select(i => SeededNoise.For(config.Seed, i, draw, w.shape[1..])).ToList(), 0).to(model.Device);
                    for (var j = 0; j < anchors; j++)
                    {
                        // One scope per anchor: a forward's activations are freed before the next one allocates its own
                        // (kept for the whole batch they reach gigabytes, and fresh memory costs page faults).
                        using var anchorScope = NewDisposeScope();
                        var t = full(count, (long)TimestepIntervals.Anchor(j), dtype: ScalarType.Int64, device: model.Device);
                        var modelMargin = DiffusionDpoLoss.Margin(model, w, l, tokens, t, noise);
                        Tensor referenceMargin;
                        if (!haveReference)
                        {
                            referenceMargin = DiffusionDpoLoss.Margin(reference, w, l, tokens, t, noise);
                            var computed = referenceMargin.cpu().data<float>().ToArray();
                            for (var b = 0; b < count; b++) fresh[(members[b] * config.NoiseDraws + draw) * anchors + j] = computed[b];
                        }
                        else
                        {
                            referenceMargin = tensor(members.Select(i => referenceMargins[(i * config.NoiseDraws + draw) * anchors + j]).ToArray(), device: model.Device);
                        }
                        sum[.., j] += loss.LogitFromMargins(referenceMargin, modelMargin);
                    }
                }
                foreach (var i in members) (known[i], freshKnown[i]) = (known[i] || !world.IsDistributed, haveReference ? 0 : 1);
                var values = (sum / config.NoiseDraws).cpu().data<float>().ToArray();
                for (var b = 0; b < count; b++)
                for (var j = 0; j < anchors; j++)
                    z[members[b], j] = values[b * anchors + j];
                progress?.Report((start + count, chosen.Length));
            }
            if (world.IsDistributed) Gather(world, z, referenceMargins, known, fresh, freshKnown);
        }
        finally
        {
            if (modelWasTraining) model.Network.train();
            if (referenceWasTraining) reference.Network.train();
        }
        return new ConfidenceTable(z);
    }

    /// <summary>Sums the ranks' z (each pair scored by one rank) and adds the reference margins any rank computed to every rank's cache.</summary>
    static unsafe void Gather(DataParallel world, float[,] z, float[] referenceMargins, bool[] known, float[] fresh, float[] freshKnown)
    {
        if (z.Length == 0) return;
        fixed (float* values = &z[0, 0]) world.AllReduceSum(values, z.Length, "the confidence scores");
        fixed (float* values = fresh) world.AllReduceSum(values, fresh.Length, "the reference margins");
        fixed (float* values = freshKnown) world.AllReduceSum(values, freshKnown.Length, "the reference margins");
        var perPair = referenceMargins.Length / known.Length;
        for (var i = 0; i < known.Length; i++)
        {
            if (freshKnown[i] == 0) continue;
            Array.Copy(fresh, i * perPair, referenceMargins, i * perPair, perPair);
            known[i] = true;
        }
    }
}

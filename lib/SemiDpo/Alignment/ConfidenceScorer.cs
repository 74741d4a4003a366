using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Alignment;

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
    internal Dictionary<(IDiffusionModel Reference, PairSet Pairs, ConfidenceConfig Config), float[]> Margins { get; } = [];
}

/// <summary>
/// The previous model as an implicit classifier (paper §3.4): for each pair (human winner first) and anchor t, z^(t)
/// of <see cref="DiffusionDpoLoss"/> with the model as policy against a reference; z &gt; 0 agrees with the human label.
/// With a <see cref="ReferenceMarginCache"/>, the reference's forwards run once per pair set.
/// </summary>
public sealed class ConfidenceScorer(DiffusionDpoLoss loss, ConfidenceConfig config, ReferenceMarginCache? cache = null)
{
    public ConfidenceTable Score(IDiffusionModel model, IDiffusionModel reference, PairSet pairs, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        var z = new float[pairs.Count, TimestepIntervals.Count];
        var anchors = TimestepIntervals.Count;
        float[]? cached = null;
        cache?.Margins.TryGetValue((reference, pairs, config), out cached);
        var referenceMargins = cached ?? new float[pairs.Count * config.NoiseDraws * anchors];   // [pair, draw, anchor]
        using var noGrad = no_grad();
        var (modelWasTraining, referenceWasTraining) = (model.Network.training, reference.Network.training);
        model.Network.eval();
        reference.Network.eval();
        try
        {
            for (var start = 0; start < pairs.Count; start += config.BatchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var count = Math.Min(config.BatchSize, pairs.Count - start);
                var (w, l, tokens) = model.Batch(pairs, arange(start, start + count, dtype: ScalarType.Int64));
                var sum = zeros(count, TimestepIntervals.Count, device: model.Device);
                for (var draw = 0; draw < config.NoiseDraws; draw++)
                {
                    var noise = cat(Enumerable.Range(start, count).Select(i => SeededNoise.For(config.Seed, i, draw, w.shape[1..])).ToList(), 0).to(model.Device);
                    for (var j = 0; j < TimestepIntervals.Count; j++)
                    {
                        // One scope per anchor: a forward's activations are freed before the next one allocates its own
                        // (kept for the whole batch they reach gigabytes, and fresh memory costs page faults).
                        using var anchorScope = NewDisposeScope();
                        var t = full(count, (long)TimestepIntervals.Anchor(j), dtype: ScalarType.Int64, device: model.Device);
                        var modelMargin = DiffusionDpoLoss.Margin(model, w, l, tokens, t, noise);
                        Tensor referenceMargin;
                        if (cached is null)
                        {
                            referenceMargin = DiffusionDpoLoss.Margin(reference, w, l, tokens, t, noise);
                            var computed = referenceMargin.cpu().data<float>().ToArray();
                            for (var i = 0; i < count; i++) referenceMargins[((start + i) * config.NoiseDraws + draw) * anchors + j] = computed[i];
                        }
                        else
                        {
                            referenceMargin = tensor(Enumerable.Range(start, count).Select(i => cached[(i * config.NoiseDraws + draw) * anchors + j]).ToArray(), device: model.Device);
                        }
                        sum[.., j] += loss.Beta * (referenceMargin - modelMargin);
                    }
                }
                var values = (sum / config.NoiseDraws).cpu().data<float>().ToArray();
                for (var i = 0; i < count; i++)
                for (var j = 0; j < TimestepIntervals.Count; j++)
                    z[start + i, j] = values[i * TimestepIntervals.Count + j];
                progress?.Report((start + count, pairs.Count));
            }
        }
        finally
        {
            if (modelWasTraining) model.Network.train();
            if (referenceWasTraining) reference.Network.train();
        }
        if (cache is not null && cached is null) cache.Margins[(reference, pairs, config)] = referenceMargins;
        return new ConfidenceTable(z);
    }
}

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
/// The previous model as an implicit classifier (paper §3.4): for each pair (human winner first) and anchor t, z^(t)
/// of <see cref="DiffusionDpoLoss"/> with the model as policy against a reference; z &gt; 0 agrees with the human label.
/// </summary>
public sealed class ConfidenceScorer(DiffusionDpoLoss loss, ConfidenceConfig config)
{
    public ConfidenceTable Score(DiffusionModel model, DiffusionModel reference, PairSet pairs, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        var z = new float[pairs.Count, TimestepIntervals.Count];
        using var noGrad = no_grad();
        var (modelWasTraining, referenceWasTraining) = (model.UNet.training, reference.UNet.training);
        model.UNet.eval();
        reference.UNet.eval();
        try
        {
            for (var start = 0; start < pairs.Count; start += config.BatchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var count = Math.Min(config.BatchSize, pairs.Count - start);
                var (w, l, tokens) = pairs.Batch(arange(start, start + count, dtype: ScalarType.Int64), model.Device);
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
                        sum[.., j] += loss.Compute(model, reference, w, l, tokens, t, noise).Z;
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
            if (modelWasTraining) model.UNet.train();
            if (referenceWasTraining) reference.UNet.train();
        }
        return new ConfidenceTable(z);
    }
}

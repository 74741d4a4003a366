using SemiDpo.Diffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Preferences;

/// <summary>Batches of a <see cref="PairSet"/> in a model's training space.</summary>
public static class PairBatches
{
    /// <summary>The images of pairs <paramref name="indices"/> of a pair set in the model's training space: (winners, losers, tokens).</summary>
    public static (Tensor Winners, Tensor Losers, Tensor Tokens) Batch(this IDiffusionModel model, PairSet pairs, Tensor indices, Generator? generator = null) =>
        model.InTrainingSpace(pairs, pairs.Batch(indices, model.Device, generator), generator);

    /// <summary>The same, each latent pair drawn from its own generator seeded by (<paramref name="seed"/>, pair index).</summary>
    public static (Tensor Winners, Tensor Losers, Tensor Tokens) Batch(this IDiffusionModel model, PairSet pairs, IReadOnlyList<int> indices, int seed)
    {
        var batch = pairs.Batch(indices, model.Device, seed);
        if (pairs.IsLatent) return batch;
        // Images: each pair's latent sample (a model that samples x_0) from its own generator, so it does not depend on the batch.
        Tensor Encode(Tensor images, int salt) => cat(indices.Select((pair, b) =>
        {
            using var generator = new Generator((ulong)(uint)StableHash.Mix(StableHash.Mix(seed, salt), pair));
            return model.ToTrainingSpace(images[b..(b + 1)], generator);
        }).ToList(), 0);
        return (Encode(batch.Winners, 0x5A3E), Encode(batch.Losers, 0x5A3F), batch.Tokens);
    }

    static (Tensor Winners, Tensor Losers, Tensor Tokens) InTrainingSpace(this IDiffusionModel model, PairSet pairs, (Tensor W, Tensor L, Tensor Tokens) batch, Generator? generator) =>
        pairs.IsLatent ? batch : (model.ToTrainingSpace(batch.W, generator), model.ToTrainingSpace(batch.L, generator), batch.Tokens);
}

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
        using var generator = new Generator((ulong)(uint)StableHash.Mix(seed, 0x5A3E));
        return model.InTrainingSpace(pairs, pairs.Batch(indices, model.Device, seed), generator);
    }

    static (Tensor Winners, Tensor Losers, Tensor Tokens) InTrainingSpace(this IDiffusionModel model, PairSet pairs, (Tensor W, Tensor L, Tensor Tokens) batch, Generator? generator) =>
        pairs.IsLatent ? batch : (model.ToTrainingSpace(batch.W, generator), model.ToTrainingSpace(batch.L, generator), batch.Tokens);
}

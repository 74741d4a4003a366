using SemiDpo.Imaging;
using SemiDpo.Rewards;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Judges;

/// <summary>
/// A judge backed by a network: a Bradley-Terry <see cref="PreferenceRewardNet"/> (its reward) or the contrastive
/// <see cref="ContrastiveNet"/> (cosine of image and caption). Both map (images, caption features) to one score each.
/// </summary>
public sealed class NetworkJudge(string name, string role, Module<Tensor, Tensor, Tensor> net, Device device) : IRewardModel
{
    public string Name => name;
    public string Role => role;
    public Module<Tensor, Tensor, Tensor> Net => net;

    public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images) =>
        JudgeBatches.Score(net, prompts, images, device, net.forward);
}

/// <summary>Scores in evaluation mode, without gradients, 64 images at a time (blocks stay under the 32 MiB mmap threshold of <see cref="SemiDpo.Torch.MallocDefaults"/>: 20k pairs in 23 s against 65 s at 512).</summary>
internal static class JudgeBatches
{
    public const int BatchSize = 64;

    public static float[] Score(TorchSharp.torch.nn.Module module, IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images,
        Device device, Func<Tensor, Tensor, Tensor> forward)
    {
        if (prompts.Count != images.Count) throw new ArgumentException($"{prompts.Count} prompts for {images.Count} images.");
        module.eval();
        var scores = new float[images.Count];
        using var noGrad = no_grad();
        using var oneDnn = SemiDpo.Torch.OneDnnSwitch.ForForward();
        for (var start = 0; start < images.Count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(BatchSize, images.Count - start);
            var x = ImageTensors.FromImages(Slice(images, start, count), device);
            var c = CaptionFeatures.Batch(Slice(prompts, start, count), device);
            forward(x, c).cpu().data<float>().CopyTo(scores, start);
        }
        var bad = Array.FindIndex(scores, s => !float.IsFinite(s));
        if (bad >= 0)
            throw new InvalidOperationException($"{module.GetName()} gave a non-finite score for item {bad} of {scores.Length} ({prompts[bad]}); its weights or the native runtime are broken.");
        return scores;
    }

    public static IReadOnlyList<T> Slice<T>(IReadOnlyList<T> list, int start, int count) =>
        Enumerable.Range(start, count).Select(i => list[i]).ToList();
}

using SemiDpo.Clip;
using SemiDpo.Imaging;
using static TorchSharp.torch;

namespace SemiDpo.Rewards;

/// <summary>How a CLIP-family judge turns the caption and image embeddings into a score.</summary>
public enum ClipScoring
{
    /// <summary>cos(text, image): the official Semi-DPO CLIP score (ViT-L/14; no ×100) and HPSv2 (open_clip ViT-H-14 fine-tuned).</summary>
    Cosine,
    /// <summary>exp(logit_scale) · cos(text, image): PickScore (CLIP-H fine-tuned on Pick-a-Pic).</summary>
    ScaledCosine,
}

/// <summary>
/// A reward model on a CLIP (semi_dpo/reward_models.py of the official code: CLIPScore, PickScore, HPSv2): the caption
/// through the text tower, the images through <see cref="ClipPreprocess"/> and the vision tower, both normalised, then
/// their cosine (times the temperature for PickScore). Higher is better.
/// </summary>
public sealed class ClipJudge(string name, string role, ClipModel model, ClipTokenizer tokenizer, ClipScoring scoring,
    ClipPreprocess? preprocess = null, int batchSize = 32) : IRewardModel
{
    public string Name => name;
    public string Role => role;

    public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images)
    {
        if (prompts.Count != images.Count) throw new ArgumentException($"{prompts.Count} prompts for {images.Count} images.");
        var (device, dtype) = (model.parameters().First().device, model.parameters().First().dtype);   // float16 towers on CUDA
        var processing = preprocess ?? new ClipPreprocess(model.Config.Vision.ImageSize);
        var scores = new List<float>(images.Count);
        using var noGrad = no_grad();
        for (var start = 0; start < images.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(batchSize, images.Count - start);
            var ids = tensor(Enumerable.Range(start, count).SelectMany(i => tokenizer.Encode(prompts[i])).ToArray(), [count, tokenizer.MaxLength], device: device);
            var text = nn.functional.normalize(model.TextFeatures(ids).to_type(ScalarType.Float32), dim: -1);
            var pixels = processing.Apply(images.Skip(start).Take(count).ToList(), device).to_type(dtype);
            var image = nn.functional.normalize(model.ImageFeatures(pixels).to_type(ScalarType.Float32), dim: -1);
            var cosine = (text * image).sum(1);
            if (scoring == ClipScoring.ScaledCosine) cosine *= model.Temperature;
            scores.AddRange(cosine.cpu().data<float>().ToArray());
        }
        return scores.ToArray();
    }
}

/// <summary>
/// The LAION improved aesthetic predictor (christophschuhmann/improved-aesthetic-predictor, sac+logos+ava1-l14-linearMSE):
/// an MLP over the normalised CLIP ViT-L/14 image embedding; the caption is not used.
/// </summary>
public sealed class LaionAestheticJudge(ClipModel clip, AestheticMlp mlp, ClipPreprocess? preprocess = null, int batchSize = 32) : IRewardModel
{
    public string Name => "aesthetic_score";
    public string Role => "aesthetics";

    public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images)
    {
        var (device, dtype) = (clip.parameters().First().device, clip.parameters().First().dtype);
        var processing = preprocess ?? new ClipPreprocess(clip.Config.Vision.ImageSize);
        var scores = new List<float>(images.Count);
        using var noGrad = no_grad();
        for (var start = 0; start < images.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var pixels = processing.Apply(images.Skip(start).Take(batchSize).ToList(), device).to_type(dtype);
            var embedding = nn.functional.normalize(clip.ImageFeatures(pixels).to_type(ScalarType.Float32), dim: -1);
            scores.AddRange(mlp.forward(embedding).flatten().cpu().data<float>().ToArray());
        }
        return scores.ToArray();
    }
}

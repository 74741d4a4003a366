using SemiDpo.Pretrained;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.Clip;

// Field names are the transformers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>A transformers <c>CLIPConfig</c>: the two towers, the shared embedding width and the initial logit scale.</summary>
public sealed record ClipConfig(ClipTextConfig Text, ClipVisionConfig Vision, int ProjectionDim, double LogitScaleInit)
{
    public static ClipConfig Read(string path) => From(ConfigFile.Read(path));

    public static ClipConfig From(ConfigFile c) => new(
        ClipTextConfig.From(c.Section("text_config")), ClipVisionConfig.From(c.Section("vision_config")),
        c.Int("projection_dim", 512), c.Double("logit_scale_init_value", 2.6592));
}

/// <summary>
/// transformers' <c>CLIPModel</c> (openai/CLIP): text and image embeddings in one space through text_projection and
/// visual_projection (bias-free), and the learned temperature logit_scale (stored as its log). Loaded by name from a
/// transformers folder or from openai/open_clip checkpoints after renaming (<see cref="ClipCheckpoints"/>,
/// <see cref="OpenClipNames"/>). PickScore, HPSv2, CLIP score and the LAION aesthetic predictor are judges on it.
/// </summary>
public sealed class ClipModel : Module<Tensor, Tensor, Tensor>
{
    readonly ClipTextTransformer text_model;
    readonly ClipVisionTransformer vision_model;
    readonly Linear visual_projection;
    readonly Linear text_projection;
    readonly Parameter logit_scale;

    public ClipModel(ClipConfig config) : base(nameof(ClipModel))
    {
        Config = config;
        text_model = new ClipTextTransformer(config.Text);
        vision_model = new ClipVisionTransformer(config.Vision);
        visual_projection = Linear(config.Vision.HiddenSize, config.ProjectionDim, hasBias: false);
        text_projection = Linear(config.Text.HiddenSize, config.ProjectionDim, hasBias: false);
        logit_scale = Parameter(tensor((float)config.LogitScaleInit));
        RegisterComponents();
    }

    public ClipConfig Config { get; }

    /// <summary>Keys of transformers checkpoints that are buffers, not weights.</summary>
    public static IReadOnlySet<string> IgnoredKeys { get; } = new HashSet<string>
    {
        "text_model.embeddings.position_ids", "vision_model.embeddings.position_ids",
    };

    /// <summary>exp(logit_scale): the temperature PickScore multiplies cosine similarities by.</summary>
    public double Temperature => logit_scale.exp().item<float>();

    /// <summary>Token ids (B, L) → text embeddings (B, projection), not normalised.</summary>
    public Tensor TextFeatures(Tensor ids)
    {
        var hidden = text_model.forward(ids);
        return text_projection.forward(ClipTextModel.Pooled(ids, hidden, Config.Text.EosTokenId));
    }

    /// <summary>Normalised pixels (B, 3, S, S) → image embeddings (B, projection), not normalised.</summary>
    public Tensor ImageFeatures(Tensor pixels) => visual_projection.forward(vision_model.forward(pixels));

    /// <summary>Cosine similarity of each image with each caption scaled by the temperature: (B_images, B_texts).</summary>
    public override Tensor forward(Tensor ids, Tensor pixels)
    {
        var text = nn.functional.normalize(TextFeatures(ids), dim: -1);
        var image = nn.functional.normalize(ImageFeatures(pixels), dim: -1);
        return logit_scale.exp() * image.matmul(text.T);
    }
}

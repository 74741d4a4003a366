using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.Clip;

// Field names are the transformers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>
/// transformers' <c>CLIPVisionTransformer</c> (openai/CLIP's VisionTransformer): patch_size² patches through a
/// bias-free conv, a learned class token in front, position embeddings, pre_layrnorm (transformers' spelling), the
/// bidirectional encoder, and post_layernorm of the class token as the pooled output.
/// </summary>
public sealed class ClipVisionTransformer : Module<Tensor, Tensor>
{
    readonly ClipVisionEmbeddings embeddings;
    readonly LayerNorm pre_layrnorm;
    readonly ClipEncoder encoder;
    readonly LayerNorm post_layernorm;

    public ClipVisionTransformer(ClipVisionConfig c) : base(nameof(ClipVisionTransformer))
    {
        embeddings = new ClipVisionEmbeddings(c);
        pre_layrnorm = LayerNorm(c.HiddenSize, eps: c.Encoder.LayerNormEps);
        encoder = new ClipEncoder(c.Encoder, causal: false);
        post_layernorm = LayerNorm(c.HiddenSize, eps: c.Encoder.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>Normalised pixels (B, 3, S, S) → pooled output (B, hidden).</summary>
    public override Tensor forward(Tensor pixels)
    {
        var h = encoder.forward(pre_layrnorm.forward(embeddings.forward(pixels)));
        return post_layernorm.forward(h[.., 0]);
    }
}

public sealed class ClipVisionEmbeddings : Module<Tensor, Tensor>
{
    readonly Parameter class_embedding;
    readonly Conv2d patch_embedding;
    readonly Embedding position_embedding;

    public ClipVisionEmbeddings(ClipVisionConfig c) : base(nameof(ClipVisionEmbeddings))
    {
        class_embedding = Parameter(randn(c.HiddenSize));
        patch_embedding = Conv2d(c.Channels, c.HiddenSize, c.PatchSize, stride: c.PatchSize, bias: false);
        position_embedding = Embedding(c.Patches + 1, c.HiddenSize);
        RegisterComponents();
    }

    /// <summary>(B, 3, S, S) → (B, 1 + patches, hidden).</summary>
    public override Tensor forward(Tensor pixels)
    {
        var patches = patch_embedding.forward(pixels.to_type(patch_embedding.weight!.dtype)).flatten(2).transpose(1, 2);
        var cls = class_embedding.expand(pixels.shape[0], 1, -1);
        var h = cat([cls, patches], 1);
        return h + position_embedding.forward(arange(h.shape[1], device: pixels.device)).unsqueeze(0);
    }
}

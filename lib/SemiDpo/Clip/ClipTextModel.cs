using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.Clip;

// Field names are the transformers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>
/// transformers' <c>CLIPTextModel</c> (openai/CLIP's text transformer): token + position embeddings, pre-LayerNorm
/// blocks of causal self-attention and an MLP (quick_gelu x·σ(1.702x), or gelu, per config), final LayerNorm.
/// Stable Diffusion 1.5 conditions on the last hidden state (B, 77, 768).
/// </summary>
public sealed class ClipTextModel : Module<Tensor, Tensor>
{
    readonly ClipTextTransformer text_model;

    public ClipTextModel(ClipTextConfig config) : base(nameof(ClipTextModel))
    {
        Config = config;
        text_model = new ClipTextTransformer(config);
        RegisterComponents();
    }

    public ClipTextConfig Config { get; }

    /// <summary>Keys that transformers' older checkpoints carry but that are not weights (SD1.5's text_encoder has position_ids).</summary>
    public static IReadOnlySet<string> IgnoredKeys { get; } = new HashSet<string> { "text_model.embeddings.position_ids" };

    /// <summary>Token ids (B, L ≤ max positions) int64 → last hidden state (B, L, hidden).</summary>
    public override Tensor forward(Tensor ids) => text_model.forward(ids);

    /// <summary>
    /// The pooled output (B, hidden): the last hidden state at each sequence's end-of-text token (the first occurrence
    /// of eos_token_id; the highest id for legacy configs whose eos id is 2, as transformers does).
    /// </summary>
    public static Tensor Pooled(Tensor ids, Tensor lastHidden, int eosTokenId)
    {
        var eos = eosTokenId == 2 ? ids.argmax(-1) : (ids == eosTokenId).to_type(ScalarType.Int32).argmax(-1);
        return lastHidden[arange(ids.shape[0], device: ids.device), eos];
    }
}

/// <summary>The transformer inside <see cref="ClipTextModel"/> (key prefix <c>text_model.</c>).</summary>
public sealed class ClipTextTransformer : Module<Tensor, Tensor>
{
    readonly ClipTextEmbeddings embeddings;
    readonly ClipEncoder encoder;
    readonly LayerNorm final_layer_norm;

    public ClipTextTransformer(ClipTextConfig c) : base(nameof(ClipTextTransformer))
    {
        embeddings = new ClipTextEmbeddings(c);
        encoder = new ClipEncoder(c.Encoder, causal: true);
        final_layer_norm = LayerNorm(c.HiddenSize, eps: c.Encoder.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids) => final_layer_norm.forward(encoder.forward(embeddings.forward(ids)));
}

public sealed class ClipTextEmbeddings : Module<Tensor, Tensor>
{
    readonly Embedding token_embedding;
    readonly Embedding position_embedding;

    public ClipTextEmbeddings(ClipTextConfig c) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = Embedding(c.VocabSize, c.HiddenSize);
        position_embedding = Embedding(c.MaxPositions, c.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor ids) =>
        token_embedding.forward(ids) + position_embedding.forward(arange(ids.shape[1], device: ids.device)).unsqueeze(0);
}

/// <summary>The layers of a CLIP tower: causal for text, bidirectional for images.</summary>
public sealed class ClipEncoder : Module<Tensor, Tensor>
{
    readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipEncoderConfig c, bool causal) : base(nameof(ClipEncoder))
    {
        layers = ModuleList(Enumerable.Range(0, c.Layers).Select(_ => new ClipEncoderLayer(c, causal)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => layers.Aggregate(x, (h, layer) => layer.forward(h));
}

/// <summary>One pre-LN block: x += out_proj(attention(layer_norm1(x))); x += fc2(act(fc1(layer_norm2(x)))).</summary>
public sealed class ClipEncoderLayer : Module<Tensor, Tensor>
{
    readonly ClipAttention self_attn;
    readonly LayerNorm layer_norm1;
    readonly ClipMlp mlp;
    readonly LayerNorm layer_norm2;

    public ClipEncoderLayer(ClipEncoderConfig c, bool causal) : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(c.HiddenSize, c.Heads, causal);
        layer_norm1 = LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        mlp = new ClipMlp(c.HiddenSize, c.IntermediateSize, c.HiddenAct);
        layer_norm2 = LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();   // free this layer's temporaries now, not at the caller's scope end
        x = x + self_attn.forward(layer_norm1.forward(x));
        return (x + mlp.forward(layer_norm2.forward(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>Multi-head self-attention (causal for text) with biased q/k/v/out projections (scale 1/√d).</summary>
public sealed class ClipAttention : Module<Tensor, Tensor>
{
    readonly Linear q_proj;
    readonly Linear k_proj;
    readonly Linear v_proj;
    readonly Linear out_proj;
    readonly int heads;
    readonly bool causal;

    public ClipAttention(int width, int heads, bool causal) : base(nameof(ClipAttention))
    {
        this.heads = heads;
        this.causal = causal;
        q_proj = Linear(width, width);
        k_proj = Linear(width, width);
        v_proj = Linear(width, width);
        out_proj = Linear(width, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        out_proj.forward(MultiHeadAttention.Apply(q_proj.forward(x), k_proj.forward(x), v_proj.forward(x), heads, causal));
}

public sealed class ClipMlp : Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly Linear fc2;
    readonly bool quickGelu;

    public ClipMlp(int width, int inner, string activation) : base(nameof(ClipMlp))
    {
        quickGelu = activation == "quick_gelu";
        fc1 = Linear(width, inner);
        fc2 = Linear(inner, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = fc1.forward(x);
        return fc2.forward(quickGelu ? h * sigmoid(1.702 * h) : functional.gelu(h));
    }
}

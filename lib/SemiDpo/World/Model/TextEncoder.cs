using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Model;

/// <summary>Caption tokens → context vectors for cross-attention: word + position embeddings and one self-attention block.</summary>
public sealed class TextEncoder : Module<Tensor, Tensor>
{
    readonly Embedding words;
    readonly Parameter positions;
    readonly LayerNorm norm;
    readonly MultiheadAttention attention;
    readonly Sequential feedForward;

    public TextEncoder(int vocabulary, int width, int heads = 4) : base(nameof(TextEncoder))
    {
        words = Embedding(vocabulary, width, padding_idx: CaptionTokenizer.Padding);
        positions = Parameter(randn(CaptionTokenizer.MaxLength, width) * 0.02);
        norm = LayerNorm(width);
        attention = MultiheadAttention(width, heads);
        feedForward = Sequential(LayerNorm(width), Linear(width, 2 * width), GELU(), Linear(2 * width, width));
        RegisterComponents();
    }

    /// <summary>(B, L) token ids → (B, L, width) context.</summary>
    public override Tensor forward(Tensor tokens)
    {
        var h = words.forward(tokens) + positions;
        var q = norm.forward(h).transpose(0, 1);                       // (L, B, width) for MultiheadAttention
        var (attended, _) = attention.forward(q, q, q, key_padding_mask: null, need_weights: false, attn_mask: null);
        h = h + attended.transpose(0, 1);
        return h + feedForward.forward(h);
    }
}

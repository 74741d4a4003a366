using static TorchSharp.torch;

namespace SemiDpo.Torch;

/// <summary>Scaled dot-product attention split into heads, shared by the UNet, the VAE and CLIP.</summary>
public static class MultiHeadAttention
{
    /// <summary>
    /// softmax(Q·Kᵀ/√d)·V of (B, L, H·d) queries over (B, L', H·d) keys and values split into <paramref name="heads"/>
    /// heads; causal masks future positions (CLIP's text); upcast computes in float32 for half-precision inputs.
    /// Returns (B, L, H·d) in the input dtype.
    /// </summary>
    public static Tensor Apply(Tensor q, Tensor k, Tensor v, int heads, bool causal, bool upcast = false)
    {
        var (b, l, width) = (q.shape[0], q.shape[1], q.shape[2]);
        var dtype = q.dtype;
        Tensor Split(Tensor t) => t.view(b, t.shape[1], heads, width / heads).transpose(1, 2);
        var (qh, kh, vh) = (Split(q), Split(k), Split(v));
        if (upcast && dtype != ScalarType.Float32) (qh, kh, vh) = (qh.to_type(ScalarType.Float32), kh.to_type(ScalarType.Float32), vh.to_type(ScalarType.Float32));
        var o = nn.functional.scaled_dot_product_attention(qh, kh, vh, null, 0.0, causal);
        return o.to_type(dtype).transpose(1, 2).reshape(b, l, width);
    }
}

using SemiDpo.Diffusion;
using SemiDpo.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.StableDiffusion;

// Field names are the diffusers state-dict keys (snake_case on purpose): RegisterComponents names parameters after them.

/// <summary>
/// diffusers' <c>Attention</c>: softmax(Q·Kᵀ/√d)·V over <c>heads</c> heads of width <c>dim_head</c>, keys and values
/// from the context (cross-attention) or from the input (self-attention), then to_out. The VAE's flavour adds a
/// group norm before, a residual after, and runs on (B, C, H, W) feature maps; upcast computes in float32 when the
/// weights are half precision (SD2's upcast_attention).
/// </summary>
public sealed class Attention : Module<Tensor, Tensor?, Tensor>
{
    readonly GroupNormalization? group_norm;
    readonly Linear to_q;
    readonly Linear to_k;
    readonly Linear to_v;
    readonly ModuleList<Linear> to_out;
    LoraAdapter? lora_q, lora_k, lora_v, lora_out;
    readonly int heads;
    readonly bool upcast;
    readonly bool residual;

    public Attention(int queryDim, int? contextDim, int heads, int dimHead, bool bias, bool upcast = false,
        int? normGroups = null, double normEps = 1e-6, bool residual = false) : base(nameof(Attention))
    {
        var inner = heads * dimHead;
        this.heads = heads;
        this.upcast = upcast;
        this.residual = residual;
        if (normGroups is { } groups) group_norm = new GroupNormalization(groups, queryDim, normEps);
        to_q = Linear(queryDim, inner, hasBias: bias);
        to_k = Linear(contextDim ?? queryDim, inner, hasBias: bias);
        to_v = Linear(contextDim ?? queryDim, inner, hasBias: bias);
        to_out = ModuleList(Linear(inner, queryDim, hasBias: true));
        RegisterComponents();
    }

    /// <summary>x (B, L, C) or (B, C, H, W); context (B, L', D) or null for self-attention → same shape as x.</summary>
    public override Tensor forward(Tensor x, Tensor? context)
    {
        using var scope = NewDisposeScope();   // free the projections and scores now, not at the caller's scope end
        var input = x;
        var spatial = x.dim() == 4;
        if (spatial) x = x.flatten(2).transpose(1, 2);                                  // (B, HW, C)
        if (group_norm is not null) x = group_norm.forward(x.transpose(1, 2)).transpose(1, 2);
        var source = context ?? x;
        var o = MultiHeadAttention.Apply(Project(to_q, lora_q, x), Project(to_k, lora_k, source), Project(to_v, lora_v, source), heads, causal: false, upcast);
        o = Project(to_out[0], lora_out, o);
        if (spatial) o = o.transpose(1, 2).reshape(input.shape);
        return (residual ? o + input : o).MoveToOuterDisposeScope();
    }

    static Tensor Project(Linear layer, LoraAdapter? adapter, Tensor x) =>
        adapter is { Enabled: true } ? Autocast.Linear(layer, x) + adapter.forward(x) : Autocast.Linear(layer, x);

    /// <summary>Adds LoRA adapters to to_q, to_k, to_v and to_out.0 (registered as lora_q, lora_k, lora_v, lora_out), on the layers' device and dtype.</summary>
    public void AddLora(LoraConfig config, Generator generator)
    {
        if (lora_q is not null) throw new InvalidOperationException("This attention already has LoRA adapters.");
        LoraAdapter Adapter(Linear layer)
        {
            var adapter = new LoraAdapter(layer.in_features, layer.out_features, config, generator);
            adapter.to(layer.weight.dtype);
            adapter.to(layer.weight.device);
            return adapter;
        }
        register_module(nameof(lora_q), lora_q = Adapter(to_q));
        register_module(nameof(lora_k), lora_k = Adapter(to_k));
        register_module(nameof(lora_v), lora_v = Adapter(to_v));
        register_module(nameof(lora_out), lora_out = Adapter(to_out[0]));
    }

    /// <summary>Each adapted projection: its state-dict name under this module ("to_q", …, "to_out.0"), base layer and adapter.</summary>
    public IEnumerable<(string Name, Linear Layer, LoraAdapter Adapter)> Adapters()
    {
        if (lora_q is null) yield break;
        yield return ("to_q", to_q, lora_q);
        yield return ("to_k", to_k, lora_k!);
        yield return ("to_v", to_v, lora_v!);
        yield return ("to_out.0", to_out[0], lora_out!);
    }
}

/// <summary>diffusers' <c>FeedForward</c> with GEGLU: net.0 = GEGLU (proj to 2·inner, value · GELU(gate)), net.2 = Linear back.</summary>
public sealed class FeedForward : Module<Tensor, Tensor>
{
    readonly ModuleList<Module<Tensor, Tensor>> net;

    public FeedForward(int dim, int multiplier = 4) : base(nameof(FeedForward))
    {
        net = ModuleList<Module<Tensor, Tensor>>(new GEGLU(dim, multiplier * dim), Dropout(0), Linear(multiplier * dim, dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => net.Aggregate(x, (h, layer) => Autocast.Forward(layer, h));
}

/// <summary>GEGLU (Shazeer 2020): proj(x) split into value and gate; value · GELU(gate).</summary>
public sealed class GEGLU : Module<Tensor, Tensor>
{
    readonly Linear proj;

    public GEGLU(int dim, int inner) : base(nameof(GEGLU))
    {
        proj = Linear(dim, 2 * inner);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var parts = Autocast.Linear(proj, x).chunk(2, -1);
        return parts[0] * functional.gelu(parts[1]);
    }
}

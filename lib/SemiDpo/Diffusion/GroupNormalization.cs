using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.Diffusion;

/// <summary>
/// Group normalisation with its affine parameters initialised as they should be (γ = 1, β = 0). TorchSharp 0.107's
/// GroupNorm module leaves them uninitialised (measured here: γ, β of fresh modules such as 1.3e13, −4.7e29, 2.4e−16),
/// which sends gradients to NaN; this module calls functional.group_norm with its own parameters.
/// </summary>
public sealed class GroupNormalization : Module<Tensor, Tensor>
{
    readonly long groups;
    readonly double eps;
    readonly Parameter weight;
    readonly Parameter bias;

    public GroupNormalization(int groups, int channels, double eps = 1e-5) : base(nameof(GroupNormalization))
    {
        if (channels % groups != 0) throw new ArgumentException($"{channels} channels cannot be split into {groups} groups.");
        this.groups = groups;
        this.eps = eps;
        weight = Parameter(ones(channels));
        bias = Parameter(zeros(channels));
        RegisterComponents();
    }

    /// <summary>The normalised x; in float32 inside an <see cref="Torch.Autocast"/> scope (autocast's float32 ops).</summary>
    public override Tensor forward(Tensor x) => functional.group_norm(Torch.Autocast.Float32(x), groups, weight, bias, eps: eps);
}

using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static TorchSharp.torch.nn;

namespace SemiDpo.Torch;

/// <summary>
/// Activation (gradient) checkpointing of one block, as <c>torch.utils.checkpoint</c>'s reentrant variant and diffusers'
/// <c>enable_gradient_checkpointing()</c>: the block's forward keeps none of its intermediate tensors, only its two
/// inputs; the backward runs the block's forward again with gradients on and back-propagates the output's gradient
/// through it, which accumulates the block's parameter gradients where the plain graph would and returns the inputs'.
/// One more forward of the block buys its activations. TorchSharp 0.107 has no checkpoint API: this is a custom
/// autograd function whose backward runs a nested backward (libtorch's engine is reentrant, which PyTorch's reentrant
/// checkpoint relies on). The block must compute the same thing twice: no dropout or other randomness.
/// </summary>
public sealed class ActivationCheckpoint : SingleTensorFunction<ActivationCheckpoint>
{
    public override string Name => nameof(ActivationCheckpoint);

    /// <summary>
    /// <paramref name="block"/>(a, b), checkpointed when <paramref name="checkpointed"/> while gradients are recorded
    /// and something in it trains; run plainly otherwise (no_grad, a frozen block).
    /// </summary>
    public static Tensor Forward<TB>(bool checkpointed, Module<Tensor, TB, Tensor> block, Tensor a, TB b) where TB : Tensor?
    {
        ArgumentNullException.ThrowIfNull(b);
        var inputsTrain = a.requires_grad || b.requires_grad;
        if (!checkpointed || !is_grad_enabled() || !inputsTrain && !block.parameters().Any(p => p.requires_grad)) return block.forward(a, b);
        // With no input that requires a gradient (LoRA's first block, behind a frozen conv_in) the function's output would
        // not require one and its backward would never run: hand it a leaf that does (PyTorch's enable_input_require_grads).
        if (inputsTrain) return apply(block, a, b);
        using var leaf = a.detach().requires_grad_();
        return apply(block, leaf, b);
    }

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (block, a, b) = ((Module<Tensor, Tensor, Tensor>)vars[0], (Tensor)vars[1], (Tensor)vars[2]);
        ctx.save_for_backward([a, b]);
        ctx.save_data(nameof(block), block);
        ctx.save_data(nameof(Needs), new Needs(a.requires_grad, b.requires_grad));
        ctx.save_data(nameof(Autocast), Autocast.DType);   // the recompute runs in the same precision, as torch.utils.checkpoint keeps autocast's state
        using var scope = NewDisposeScope();
        return block.forward(a, b).MoveToOuterDisposeScope();
    }

    /// <summary>The input gradients the previous backward on this thread returned (see <see cref="ConvolutionViaForward"/>).</summary>
    [ThreadStatic] static List<Tensor>? returned;

    public override List<Tensor> backward(AutogradContext ctx, Tensor g)
    {
        returned?.ForEach(t => t.Dispose());
        returned = null;
        using var gradOutput = g;
        using var scope = NewDisposeScope();
        var saved = ctx.get_saved_variables();
        var block = (Module<Tensor, Tensor, Tensor>)ctx.get_data("block");
        var needs = (Needs)ctx.get_data(nameof(Needs));
        var a = saved[0].detach().requires_grad_(needs.A);
        var b = saved[1].detach().requires_grad_(needs.B);
        using (enable_grad())
        using (Autocast.Enter((ScalarType?)ctx.get_data(nameof(Autocast))))
        {
            var output = block.forward(a, b);
            autograd.backward([output], [g]);
        }
        List<Tensor> gradients = [null!, needs.A ? a.grad! : null!, needs.B ? b.grad! : null!];
        returned = [.. gradients.Where(t => t is not null).Select(t => t.DetachFromDisposeScope())];
        return gradients;
    }

    /// <summary>Which of the two inputs require a gradient.</summary>
    sealed record Needs(bool A, bool B);
}

using SemiDpo.Diffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Diffusion;

[Collection(TorchRandomCollection.Name)]
public class GroupNormalizationTests
{
    public GroupNormalizationTests() => TorchRuntime.Init();

    [Fact]
    public void FreshModules_NormaliseEachGroup_AndBackpropagateFiniteGradients()
    {
        Seeding.Everything(3);
        for (var i = 0; i < 30; i++)
        {
            var norm = new GroupNormalization(8, 16);
            var x = (randn(2, 16, 16, 16) * 3 + 1).requires_grad_();
            var y = norm.forward(x);
            y.pow(2).mean().backward();

            var groups = y.view(2, 8, -1);
            Assert.True(allclose(groups.mean([2]), zeros(2, 8), atol: 1e-4), $"module {i}: group means");
            Assert.True(allclose(groups.var([2], unbiased: false), ones(2, 8), atol: 1e-3), $"module {i}: group variances");
            Assert.True(x.grad!.isfinite().all().item<bool>(), $"module {i}: gradient");
        }
    }

    [Fact]
    public void ChannelsThatDoNotSplitIntoGroups_AreRejected() =>
        Assert.Throws<ArgumentException>(() => new GroupNormalization(8, 12));
}

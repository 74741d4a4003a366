using SemiDpo.Diffusion;
using SemiDpo.Tests.StableDiffusion;
using SemiDpo.Torch;

namespace SemiDpo.Tests.Diffusion;

/// <summary>
/// The official evaluation's starting noise (evaluate.py: torch.Generator().manual_seed(42) per prompt, diffusers drawing
/// randn((K, 4, h, w)) from it), against PyTorch's numbers in tests/fixtures/pndm-reference.safetensors.
/// </summary>
public class OfficialEvaluationSeedingTests
{
    public OfficialEvaluationSeedingTests() => TorchRuntime.Init();

    [Fact]
    public void PerPromptDraws_AreTheNumbersOfATorchGeneratorSeeded42()
    {
        var expected = SafeTensors.Read(SdFixture.Folder("pndm-reference.safetensors"))["generator42_draws"];

        for (var k = 0; k < 2; k++)
            Assert.True(expected[k].unsqueeze(0).equal(SeededNoise.TorchGeneratorDraw(42, k, [4, 8, 8])).all().item<bool>(), $"draw {k}");
    }

    [Fact]
    public void APromptsConsecutiveImages_AreItsGeneratorsSuccessiveDraws_AndEveryPromptStartsAfresh()
    {
        Assert.Equal([0, 1, 2, 0, 0, 1], DiffusionSampling.PromptDraws(["a", "a", "a", "b", "a", "a"]));
    }
}

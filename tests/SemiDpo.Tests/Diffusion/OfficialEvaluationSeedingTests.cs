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
    public void PerPromptNoise_IsOneDrawOfAGeneratorSeeded42PerPrompt_AsPyTorchDrawsIt()
    {
        var expected = SafeTensors.Read(SdFixture.Folder("pndm-reference.safetensors"))["generator42_draws"];   // randn((2, 4, 8, 8))

        using var noise = DiffusionSampling.PerPromptNoise(4, 2, 42, [4, 8, 8]);   // two prompts, two images each

        Assert.True(expected.equal(noise[..2]).all().item<bool>(), "prompt 0");
        Assert.True(expected.equal(noise[2..]).all().item<bool>(), "prompt 1 starts from the same seed");
    }

    [Fact]
    public void EvalsOneImagePerPrompt_StartsEveryPromptFromDrawZero_WhateverItsNeighbours()
    {
        using var noise = DiffusionSampling.PerPromptNoise(3, 1, 42, [4, 8, 8]);

        Assert.True(noise[0].equal(noise[1]).all().item<bool>() && noise[1].equal(noise[2]).all().item<bool>());
        Assert.Throws<ArgumentException>(() => DiffusionSampling.PerPromptNoise(3, 2, 42, [4, 8, 8]));
    }
}

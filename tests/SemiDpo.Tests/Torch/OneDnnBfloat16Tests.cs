using TorchSharp;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Torch;

/// <summary>Bfloat16 convolutions whose output channels are not a multiple of 16 avoid libtorch 2.10's wrong oneDNN kernel on the CPU.</summary>
[Collection(TorchRandomCollection.Name)]
public class OneDnnBfloat16Tests
{
    public OneDnnBfloat16Tests() => TorchRuntime.Init();

    [Theory]
    [InlineData(4)]    // the UNet's conv_out
    [InlineData(8)]    // the VAE encoder's conv_out
    [InlineData(24)]
    [InlineData(32)]
    public void Bfloat16Convolution_IsWithinBfloat16sRounding_WhateverTheOutputChannels(int outputChannels)
    {
        Seeding.Everything(outputChannels);
        using var layer = new Conv2dLayer(32, outputChannels, 3, padding: 1);
        using var x = randn(2, 32, 16, 16);
        using var noGrad = no_grad();
        using var exact = layer.forward(x);
        layer.to(ScalarType.BFloat16);
        using (OneDnnSwitch.ForForward())   // as the models' forwards run
        {
            using var half = layer.forward(x.to_type(ScalarType.BFloat16)).to_type(ScalarType.Float32);
            Assert.InRange(((half - exact).norm() / exact.norm()).item<float>(), 0, 1e-2);   // oneDNN's kernel: 8–32 %
        }
    }
}

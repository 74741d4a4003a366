using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>UNet2DConditionModel.GradientCheckpointing recomputes each block in the backward and gives the plain gradients.</summary>
[Collection(TorchRandomCollection.Name)]
public class GradientCheckpointingTests
{
    public GradientCheckpointingTests() => TorchRuntime.Init();

    /// <summary>Loss and the gradient of every trained parameter, after one backward of the tiny UNet on the fixture's inputs.</summary>
    static (float Loss, Dictionary<string, Tensor> Gradients) Backward(StableDiffusionModel model, bool checkpointing)
    {
        var r = SdFixture.Reference();
        model.UNet.train();
        model.UNet.GradientCheckpointing = checkpointing;
        model.UNet.zero_grad();
        var loss = model.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]).pow(2).mean();
        loss.backward();
        var gradients = model.UNet.named_parameters().Where(p => p.parameter.requires_grad)
            .ToDictionary(p => p.name, p => p.parameter.grad?.clone() ?? throw new Xunit.Sdk.XunitException($"{p.name} got no gradient"));
        return (loss.item<float>(), gradients);
    }

    static void AssertSameGradients(StableDiffusionModel model)
    {
        var (plainLoss, plain) = Backward(model, checkpointing: false);
        var (checkpointedLoss, checkpointed) = Backward(model, checkpointing: true);
        Assert.Equal(plainLoss, checkpointedLoss);
        Assert.Equal(plain.Keys, checkpointed.Keys);
        foreach (var (name, gradient) in plain) SdFixture.AssertClose(gradient, checkpointed[name], name, 1e-5);
    }

    [Fact]
    public void CheckpointedBackward_OfTheFullUNet_GivesThePlainGradientOfEveryParameter()
    {
        using var model = SdFixture.Load();
        AssertSameGradients(model);
    }

    [Fact]
    public void CheckpointedBackward_OfLoraAdapters_GivesThePlainGradients_EvenBehindTheFrozenFirstLayers()
    {
        // conv_in and the time embedding are frozen: the first transformer's inputs require no gradient, yet its adapters must get one.
        using var model = SdFixture.LoadWithLora();
        AssertSameGradients(model);
    }

    [Fact]
    public void Checkpointing_ChangesNothing_WithoutGradients()
    {
        var r = SdFixture.Reference();
        using var model = SdFixture.Load();
        model.UNet.GradientCheckpointing = true;
        using var noGrad = no_grad();
        SdFixture.AssertClose(r["unet/eps"], model.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]), "ε with checkpointing on, no_grad");
    }
}

using SemiDpo.Diffusion;
using SemiDpo.Pretrained;
using SemiDpo.StableDiffusion;
using SemiDpo.Tests.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Diffusion;

/// <summary>
/// PNDM (PLMS, skip_prk_steps) against diffusers 0.25.1's PNDMScheduler with SD1.5's scheduler config
/// (tests/fixtures/make_pndm_fixture.py): the timesteps and every intermediate sample, fed the same stand-in ε.
/// </summary>
public class PndmSamplerTests
{
    public PndmSamplerTests() => TorchRuntime.Init();

    static readonly SchedulerConfig Sd15 = SchedulerConfig.Read(Path.Combine(SdFixture.TinySd, "scheduler", "scheduler_config.json"));

    [Theory]
    [InlineData(50)]
    [InlineData(7)]
    public void EveryStep_MatchesDiffusers_Within1e5(int steps)
    {
        var r = SafeTensors.Read(SdFixture.Folder("pndm-reference.safetensors"));
        var sampler = Sd15.FolderSampler(Sd15.Schedule(), "tiny-sd");
        var expected = r[$"samples_{steps}"];
        var calls = new List<(Tensor X, long T)>();

        var result = sampler.Sample(r["start"], steps, (x, t) =>
        {
            calls.Add((x.clone().DetachFromDisposeScope(), t[0].item<long>()));   // the sampler disposes what its steps make
            return einsum("ij,bjhw->bihw", r["weights"], x) * (1 + 0.01 * (calls.Count - 1));
        });

        Assert.IsType<PndmSampler>(sampler);
        Assert.Equal(r[$"timesteps_{steps}"].data<long>().ToArray(), calls.Select(c => c.T).ToArray());
        Assert.Equal(sampler.Timesteps(steps), calls.Select(c => c.T).ToArray());
        for (var k = 0; k < calls.Count; k++) SdFixture.AssertClose(expected[k], calls[k].X, $"sample before step {k}", 1e-5);
        SdFixture.AssertClose(expected[^1], result, "final sample", 1e-5);
    }

    [Fact]
    public void FolderSampler_IsPndmForSd15_DdimForDdim_AndRefusesTheRest()
    {
        Assert.IsType<PndmSampler>(Sd15.FolderSampler(Sd15.Schedule(), "sd15"));
        Assert.IsType<DdimSampler>((Sd15 with { ClassName = "DDIMScheduler" }).FolderSampler(Sd15.Schedule(), "ddim"));
        Assert.Contains("Runge–Kutta", Assert.Throws<ModelFormatException>(() => (Sd15 with { SkipPrkSteps = false }).FolderSampler(Sd15.Schedule(), "x")).Message);
        Assert.Contains("EulerDiscreteScheduler is not implemented",
            Assert.Throws<ModelFormatException>(() => (Sd15 with { ClassName = "EulerDiscreteScheduler" }).FolderSampler(Sd15.Schedule(), "x")).Message);
    }
}

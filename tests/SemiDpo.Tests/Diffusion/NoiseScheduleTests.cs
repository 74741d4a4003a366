using SemiDpo.Diffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Diffusion;

[Collection(TorchRandomCollection.Name)]
public class NoiseScheduleTests
{
    readonly NoiseSchedule schedule = new();

    public NoiseScheduleTests() => TorchRuntime.Init();

    [Fact]
    public void Betas_AreSd15sScaledLinearSchedule()
    {
        static double Beta(int t) => Math.Pow(Math.Sqrt(0.00085) + t / 999.0 * (Math.Sqrt(0.012) - Math.Sqrt(0.00085)), 2);

        Assert.Equal(0.00085, schedule.Betas[0], 12);
        Assert.Equal(0.012, schedule.Betas[999], 12);
        Assert.Equal(Beta(500), schedule.Betas[500], 12);
    }

    [Fact]
    public void AlphasCumprod_IsTheProductOfOneMinusBeta()
    {
        var product = 1.0;
        for (var t = 0; t < 1000; t++) product *= 1 - schedule.Betas[t];

        Assert.Equal(product, schedule.AlphasCumprod[999], 12);
        Assert.InRange(schedule.AlphasCumprod[999], 0.0046, 0.0047);   // SD1.5's known ᾱ_T ≈ 0.00466
        Assert.True(schedule.AlphasCumprod.Zip(schedule.AlphasCumprod.Skip(1)).All(p => p.Second < p.First));
    }

    [Fact]
    public void QSample_MixesImageAndNoiseByTheSchedule_AndPredictStartInvertsIt()
    {
        Seeding.Everything(1);
        var x0 = rand(3, 3, 4, 4) * 2 - 1;
        var noise = randn(3, 3, 4, 4);
        var t = tensor(new long[] { 0, 500, 999 });

        var xt = schedule.QSample(x0, noise, t);

        for (var i = 0; i < 3; i++)
        {
            var a = schedule.AlphasCumprod[t[i].item<long>()];
            var expected = Math.Sqrt(a) * x0[i] + Math.Sqrt(1 - a) * noise[i];
            Assert.True(allclose(xt[i], expected, rtol: 1e-5, atol: 1e-6));
        }
        Assert.True(allclose(schedule.PredictStartFromNoise(xt, t, noise), x0, rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void Ddim_WithTheTrueNoise_RecoversTheImage()
    {
        Seeding.Everything(2);
        var x0 = rand(2, 3, 8, 8) * 1.6 - 0.8;
        var sampler = new DdimSampler(schedule);

        var sample = sampler.Sample(randn(2, 3, 8, 8), 20, (xt, t) =>
            (xt - schedule.SqrtAlphasCumprod(t) * x0) / schedule.SqrtOneMinusAlphasCumprod(t));

        Assert.True(allclose(sample, x0, atol: 1e-4));
    }

    [Fact]
    public void Ddim_VisitsEvenlySpacedTimestepsFromHighToLow()
    {
        var steps = new DdimSampler(schedule).Timesteps(50);
        Assert.Equal(50, steps.Length);
        Assert.Equal(980, steps[0]);
        Assert.Equal(0, steps[^1]);
        Assert.All(steps.Zip(steps.Skip(1)), p => Assert.Equal(20, p.First - p.Second));
    }

    [Fact]
    public void Guide_ExtrapolatesFromTheUnconditionalPrediction()
    {
        var guided = DdimSampler.Guide(tensor(new float[] { 3 }), tensor(new float[] { 1 }), 2.5);
        Assert.Equal(6f, guided.item<float>());
    }
}

using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>Sampling settings: steps, classifier-free guidance scale, the per-prompt seed and the sampler.</summary>
public sealed record SamplerConfig(int Steps = 50, double GuidanceScale = 3.0, int Seed = 42, SamplerKind Kind = SamplerKind.Ddim);

/// <summary>
/// Deterministic DDIM (η = 0; Song et al. 2021, Eq. 12) with classifier-free guidance:
/// ε̂ = ε(x_t, ∅) + w·(ε(x_t, c) − ε(x_t, ∅)); x̂_0 = (x_t − √(1−ᾱ_t)ε̂)/√ᾱ_t, clipped to [−1, 1] when
/// <paramref name="clipSample"/> (pixel-space models; SD's latents are not clipped); x_{t'} = √ᾱ_{t'}·x̂_0 + √(1−ᾱ_{t'})·ε̂.
/// The settings are diffusers' DDIMScheduler's: <paramref name="stepsOffset"/> (SD: 1) shifts every timestep, and after
/// the last step ᾱ = 1 when <paramref name="setAlphaToOne"/>, else ᾱ_0 (SD).
/// </summary>
public sealed class DdimSampler(NoiseSchedule schedule, bool clipSample = true, int stepsOffset = 0, bool setAlphaToOne = true) : IDenoisingSampler
{
    /// <summary>The timesteps visited, from high to low (evenly spaced, as diffusers' "leading" spacing).</summary>
    public long[] Timesteps(int steps)
    {
        if (steps < 1 || steps > schedule.Timesteps) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"Steps must be in 1…{schedule.Timesteps}.");
        var stride = schedule.Timesteps / steps;
        return Enumerable.Range(0, steps).Select(i => (long)Math.Min(i * stride + stepsOffset, schedule.Timesteps - 1)).Reverse().ToArray();
    }

    /// <summary>
    /// Samples images for caption embeddings. <paramref name="predictNoise"/>(x_t, t, guided) returns ε̂ already
    /// combined with its unconditional twin (see <see cref="Guide"/>); <paramref name="start"/> is x_T.
    /// </summary>
    public Tensor Sample(Tensor start, int steps, Func<Tensor, Tensor, Tensor> predictNoise)
    {
        using var noGrad = no_grad();
        var x = start;
        var ts = Timesteps(steps);
        for (var i = 0; i < ts.Length; i++)
        {
            using var scope = NewDisposeScope();
            var t = full(x.shape[0], ts[i], dtype: ScalarType.Int64);
            var eps = predictNoise(x, t.to(x.device));
            var alphaNext = i + 1 < ts.Length ? schedule.AlphasCumprod[ts[i + 1]] : setAlphaToOne ? 1.0 : schedule.AlphasCumprod[0];
            var previous = x;
            x = Step(x, t, full(x.shape[0], alphaNext, dtype: ScalarType.Float64, device: x.device), eps).MoveToOuterDisposeScope();
            if (!ReferenceEquals(previous, start)) previous.Dispose();
        }
        return x;
    }

    /// <summary>
    /// One DDIM step per item: from x_t (B, …) at timesteps <paramref name="t"/> (B) with predicted noise ε̂ to the
    /// state whose ᾱ is <paramref name="alphaNext"/> (B); x̂_0 clipped as the sampler is configured.
    /// </summary>
    public Tensor Step(Tensor xt, Tensor t, Tensor alphaNext, Tensor eps)
    {
        var x0 = schedule.PredictStartFromNoise(xt, t, eps);
        if (clipSample) x0 = x0.clamp(-1, 1);
        var a = alphaNext.to_type(ScalarType.Float64).view(-1, 1, 1, 1);   // square roots in double, as scalars would be
        return a.sqrt().to_type(x0.dtype) * x0 + (1 - a).sqrt().to_type(eps.dtype) * eps;
    }

    /// <summary>ᾱ of each timestep in <paramref name="t"/> (B), on <paramref name="device"/>.</summary>
    public Tensor AlphaCumprod(long[] t, Device device) => tensor(t.Select(v => schedule.AlphasCumprod[v]).ToArray(), device: device);

    /// <summary>Classifier-free guidance: ε(∅) + w·(ε(c) − ε(∅)).</summary>
    public static Tensor Guide(Tensor conditional, Tensor unconditional, double scale) =>
        unconditional + scale * (conditional - unconditional);
}

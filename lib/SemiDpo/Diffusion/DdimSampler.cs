using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>Sampling settings: DDIM steps, classifier-free guidance scale and the per-prompt seed.</summary>
public sealed record SamplerConfig(int Steps = 50, double GuidanceScale = 3.0, int Seed = 42);

/// <summary>
/// Deterministic DDIM (η = 0; Song et al. 2021, Eq. 12) with classifier-free guidance:
/// ε̂ = ε(x_t, ∅) + w·(ε(x_t, c) − ε(x_t, ∅)); x̂_0 = (x_t − √(1−ᾱ_t)ε̂)/√ᾱ_t, clipped to the pixel range [−1, 1]
/// as pixel-space models do; x_{t'} = √ᾱ_{t'}·x̂_0 + √(1−ᾱ_{t'})·ε̂.
/// </summary>
public sealed class DdimSampler(NoiseSchedule schedule)
{
    /// <summary>The timesteps visited, from high to low (evenly spaced, as diffusers' "leading" spacing).</summary>
    public long[] Timesteps(int steps)
    {
        if (steps < 1 || steps > schedule.Timesteps) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"Steps must be in 1…{schedule.Timesteps}.");
        var stride = schedule.Timesteps / steps;
        return Enumerable.Range(0, steps).Select(i => (long)(i * stride)).Reverse().ToArray();
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
            var x0 = schedule.PredictStartFromNoise(x, t, eps).clamp(-1, 1);
            var next = i + 1 < ts.Length ? ts[i + 1] : -1;
            var alphaNext = next >= 0 ? schedule.AlphasCumprod[next] : 1.0;
            var previous = x;
            x = (Math.Sqrt(alphaNext) * x0 + Math.Sqrt(1 - alphaNext) * eps).MoveToOuterDisposeScope();
            if (!ReferenceEquals(previous, start)) previous.Dispose();
        }
        return x;
    }

    /// <summary>Classifier-free guidance: ε(∅) + w·(ε(c) − ε(∅)).</summary>
    public static Tensor Guide(Tensor conditional, Tensor unconditional, double scale) =>
        unconditional + scale * (conditional - unconditional);
}

using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>
/// diffusers' PNDMScheduler with <c>skip_prk_steps</c> (SD1.5's scheduler and the official evaluation's): the pseudo
/// linear multistep (PLMS) method of Liu et al. 2022 without its Runge–Kutta warm-up. Timesteps are "leading":
/// t_i = i·⌊T/n⌋ + offset, visited from the top with the second-lowest one twice, so n steps call the model n + 1
/// times. ε̂ is combined over the last calls (1, then (ε₀ + ε₁)/2 on the repeated step, then the 2-, 3- and 4-step
/// Adams–Bashforth weights), and x moves with the PNDM transfer
/// x_prev = √(ᾱ_prev/ᾱ_t)·x − (ᾱ_prev − ᾱ_t)·ε̂ / (ᾱ_t·√(1 − ᾱ_prev) + √(ᾱ_t(1 − ᾱ_t)ᾱ_prev)); below t = 0, ᾱ_prev is 1
/// when <paramref name="setAlphaToOne"/>, else ᾱ_0 (SD). Checked step by step against diffusers 0.25.1 within 1e-5.
/// </summary>
public sealed class PndmSampler(NoiseSchedule schedule, int stepsOffset = 0, bool setAlphaToOne = true) : IDenoisingSampler
{
    public long[] Timesteps(int steps)
    {
        if (steps < 1 || steps > schedule.Timesteps) throw new ArgumentOutOfRangeException(nameof(steps), steps, $"Steps must be in 1…{schedule.Timesteps}.");
        var ratio = schedule.Timesteps / steps;
        var leading = Enumerable.Range(0, steps).Select(i => (long)(i * ratio + stepsOffset)).ToArray();
        long[] plms = steps == 1 ? leading : [.. leading[..^1], leading[^2], leading[^1]];
        return plms.Reverse().ToArray();
    }

    public Tensor Sample(Tensor start, int steps, Func<Tensor, Tensor, Tensor> predictNoise)
    {
        using var noGrad = no_grad();
        var ratio = schedule.Timesteps / steps;
        var history = new List<Tensor>();   // the last (up to 4) model outputs
        Tensor? firstSample = null;
        var x = start;
        var timesteps = Timesteps(steps);
        try
        {
            for (var counter = 0; counter < timesteps.Length; counter++)
            {
                using var scope = NewDisposeScope();
                var t = timesteps[counter];
                var eps = predictNoise(x, full(x.shape[0], t, dtype: ScalarType.Int64, device: x.device));
                var (from, to) = (t, t - ratio);
                var sample = x;
                Tensor combined;
                if (counter == 1)
                {
                    // The repeated step: back to the first sample, with the mean of the two outputs, from t + ratio to t.
                    (from, to) = (t + ratio, t);
                    combined = (eps + history[^1]) / 2;
                    sample = firstSample!;
                }
                else
                {
                    history.Add(eps.MoveToOuterDisposeScope());
                    if (history.Count > 4) { history[0].Dispose(); history.RemoveAt(0); }
                    combined = history.Count switch
                    {
                        1 => eps,
                        2 => (3 * history[^1] - history[^2]) / 2,
                        3 => (23 * history[^1] - 16 * history[^2] + 5 * history[^3]) / 12,
                        _ => (55 * history[^1] - 59 * history[^2] + 37 * history[^3] - 9 * history[^4]) / 24,
                    };
                    if (counter == 0) firstSample = x;
                }
                var next = Transfer(sample, from, to, combined).MoveToOuterDisposeScope();
                if (!ReferenceEquals(x, start) && !ReferenceEquals(x, firstSample)) x.Dispose();
                x = next;
            }
            return x;
        }
        finally
        {
            foreach (var e in history) e.Dispose();
            if (firstSample is not null && !ReferenceEquals(firstSample, start)) firstSample.Dispose();
        }
    }

    /// <summary>PNDM's transfer from timestep <paramref name="t"/> to <paramref name="previous"/> with ε̂ (diffusers' _get_prev_sample).</summary>
    Tensor Transfer(Tensor sample, long t, long previous, Tensor eps)
    {
        var alpha = schedule.AlphasCumprod[t];
        var alphaPrevious = previous >= 0 ? schedule.AlphasCumprod[previous] : setAlphaToOne ? 1.0 : schedule.AlphasCumprod[0];
        var sampleCoefficient = Math.Sqrt(alphaPrevious / alpha);
        var denominator = alpha * Math.Sqrt(1 - alphaPrevious) + Math.Sqrt(alpha * (1 - alpha) * alphaPrevious);
        return sampleCoefficient * sample - (alphaPrevious - alpha) / denominator * eps;
    }
}

using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>How betas grow from β_start to β_end (diffusers' <c>beta_schedule</c>).</summary>
public enum BetaSchedule
{
    /// <summary>β_t = (√β_start + t/(T−1)·(√β_end − √β_start))² — Stable Diffusion's.</summary>
    ScaledLinear,
    /// <summary>β_t = β_start + t/(T−1)·(β_end − β_start) — DDPM's.</summary>
    Linear,
}

/// <summary>
/// The forward process, by default Stable Diffusion 1.5's: T = 1000 steps, "scaled linear" betas
/// β_t = (√β_start + t/(T−1)·(√β_end − √β_start))², ᾱ_t = Π_{s≤t}(1 − β_s). Computed in double, stored as float.
/// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε (METHOD §1).
/// </summary>
public sealed class NoiseSchedule
{
    public NoiseSchedule(int timesteps = 1000, double betaStart = 0.00085, double betaEnd = 0.012, BetaSchedule kind = BetaSchedule.ScaledLinear)
    {
        if (timesteps < 2) throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps, "A schedule needs at least 2 steps.");
        if (betaStart <= 0 || betaEnd >= 1 || betaEnd < betaStart) throw new ArgumentException($"Betas must satisfy 0 < start ≤ end < 1 (got {betaStart}, {betaEnd}).");
        Timesteps = timesteps;
        Betas = new double[timesteps];
        AlphasCumprod = new double[timesteps];
        var scaled = kind == BetaSchedule.ScaledLinear;
        var (a, b) = scaled ? (Math.Sqrt(betaStart), Math.Sqrt(betaEnd)) : (betaStart, betaEnd);
        var product = 1.0;
        for (var t = 0; t < timesteps; t++)
        {
            var beta = a + (b - a) * t / (timesteps - 1);
            Betas[t] = scaled ? beta * beta : beta;
            product *= 1 - Betas[t];
            AlphasCumprod[t] = product;
        }
        // Lookup tables live as long as the schedule, whatever dispose scope is open when it is built.
        sqrtAlphasCumprod = tensor(AlphasCumprod.Select(a => (float)Math.Sqrt(a)).ToArray()).DetachFromDisposeScope();
        sqrtOneMinusAlphasCumprod = tensor(AlphasCumprod.Select(a => (float)Math.Sqrt(1 - a)).ToArray()).DetachFromDisposeScope();
    }

    readonly Tensor sqrtAlphasCumprod;
    readonly Tensor sqrtOneMinusAlphasCumprod;

    public int Timesteps { get; }
    public double[] Betas { get; }
    /// <summary>ᾱ_t.</summary>
    public double[] AlphasCumprod { get; }

    /// <summary>√ᾱ_t gathered for a batch of timesteps, shaped (N, 1, 1, 1) to broadcast over images.</summary>
    public Tensor SqrtAlphasCumprod(Tensor t) => Extract(sqrtAlphasCumprod, t);

    /// <summary>√(1 − ᾱ_t) gathered for a batch of timesteps, shaped (N, 1, 1, 1).</summary>
    public Tensor SqrtOneMinusAlphasCumprod(Tensor t) => Extract(sqrtOneMinusAlphasCumprod, t);

    /// <summary>q(x_t | x_0): x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε.</summary>
    public Tensor QSample(Tensor x0, Tensor noise, Tensor t) =>
        SqrtAlphasCumprod(t).to(x0.device) * x0 + SqrtOneMinusAlphasCumprod(t).to(x0.device) * noise;

    /// <summary>x̂_0 from x_t and predicted ε: (x_t − √(1−ᾱ_t)·ε̂) / √ᾱ_t.</summary>
    public Tensor PredictStartFromNoise(Tensor xt, Tensor t, Tensor noise) =>
        (xt - SqrtOneMinusAlphasCumprod(t).to(xt.device) * noise) / SqrtAlphasCumprod(t).to(xt.device);

    /// <summary>table[t] for each t of the batch, shaped (N, 1, 1, 1) to broadcast over images.</summary>
    static Tensor Extract(Tensor table, Tensor t) => table.index_select(0, t.cpu().to_type(ScalarType.Int64)).view(-1, 1, 1, 1);
}

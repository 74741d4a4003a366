using System.Text.Json;
using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.Training;
using static TorchSharp.torch;

namespace SemiDpo.Baselines;

/// <summary>
/// Diffusion-DRO's settings (basiclab/DiffusionDRO, train.py defaults).
/// </summary>
/// <param name="Margin">m of the hinge.</param>
/// <param name="SamplingSteps">Steps of the policy's online trajectories (the authors: 20 DPM-Solver++ steps; here the model's DDIM).</param>
/// <param name="PerturbTimesteps">Shift each trajectory's timesteps by one random offset below the stride (the authors' default).</param>
public sealed record DiffusionDroConfig(double Margin = 0.001, int SamplingSteps = 20, bool PerturbTimesteps = true)
{
    public void Validate()
    {
        if (!(Margin >= 0)) throw new ArgumentOutOfRangeException(nameof(Margin), Margin, "The margin must be ≥ 0.");
        if (SamplingSteps < 1) throw new ArgumentOutOfRangeException(nameof(SamplingSteps), SamplingSteps, "At least one sampling step.");
    }
}

/// <summary>
/// Diffusion-DRO (Wu et al. 2025; basiclab/DiffusionDRO): learn from expert (real) images alone, against the policy's
/// own online samples. Per item: an expert x̄_0 noised with ε̄ to x̄_t, and a state x_t of a fresh trajectory of the
/// policy θ (guidance 1, from x_T, stopped at a random step) with the policy's own prediction ε_θ(x_t) as target;
/// L = max(0, m + [‖ε_φ(x̄_t) − ε̄‖² − ‖ε_ref(x̄_t) − ε̄‖²] − [‖ε_φ(x_t) − ε_θ(x_t)‖² − ‖ε_ref(x_t) − ε_θ(x_t)‖²]).
/// θ is refreshed from the trained φ every optimizer step, as the authors' defaults do (copy every 16 micro-steps
/// at 16 accumulation steps); so at each step θ = φ and the policy-sample term moves only through the hinge, the
/// expert term carries the gradient. Trains on the winners of a <see cref="PairSet"/> (the losers are not used);
/// same optimizer step, warm-up, clipping, own generator and resumable checkpoints as <see cref="DpoTrainer"/>.
/// The "accuracy" logged is the share of items with a negative bracket difference (expert error lowered more than
/// the sample error).
/// </summary>
public sealed class DiffusionDroTrainer(DpoTrainConfig config, DiffusionDroConfig? dro = null)
{
    readonly DiffusionDroConfig settings = dro ?? new DiffusionDroConfig();

    public TrainingLog Train(string stage, IDiffusionModel policy, IDiffusionModel reference, PairSet experts, string? checkpoint,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        config.Validate();
        settings.Validate();
        if (experts.Count == 0) throw new TrainingException($"{stage}: no expert images.");
        var runJson = JsonSerializer.Serialize(new { Stage = stage, Loss = "Diffusion-DRO", Config = config, Dro = settings, Experts = experts.Count });
        using var run = new TrainingStage(stage, config, policy, runJson, checkpoint);
        reference.Network.eval();
        while (run.Next(cancellation))
        {
            var rng = new Random(StableHash.Mix(config.Seed ^ 0xD70, run.Step));
            double stepLoss = 0, stepAccuracy = 0;
            for (var start = 0; start < config.BatchSize; start += config.MicroBatch)
            {
                using var scope = NewDisposeScope();
                var size = Math.Min(config.MicroBatch, config.BatchSize - start);
                var indices = Enumerable.Range(0, size).Select(_ => (long)rng.Next(experts.Count)).ToArray();
                var (expert, _, tokens) = policy.Batch(experts, tensor(indices), run.Generator);
                policy.Network.eval();
                var (xt, t, target) = OnlineStates(policy, expert.shape, tokens, rng, run.Generator);
                policy.Network.train();
                var expertNoise = Noise.Like(expert, run.Generator);
                var x = cat([policy.Schedule.QSample(expert, expertNoise, t), xt], 0);
                var tt = cat([t, t], 0);
                var tokens2 = cat([tokens, tokens], 0);
                var targets = cat([expertNoise, target], 0);
                var policyError = DiffusionDpoLoss.Errors(policy, x, tt, tokens2, targets);
                Tensor referenceError;
                using (no_grad()) referenceError = DiffusionDpoLoss.Errors(reference, x, tt, tokens2, targets);
                var (diff, hinge) = Hinge(policyError, referenceError, settings.Margin);
                var loss = hinge.mean();
                var value = loss.item<float>();
                if (!float.IsFinite(value)) throw run.NonFinite(value, "");
                var share = (double)size / config.BatchSize;
                (loss * share).backward();
                stepLoss += value * share;
                stepAccuracy += (diff.detach() < 0).to_type(ScalarType.Float64).sum().item<double>() / config.BatchSize;
            }
            run.EndStep(stepLoss, stepAccuracy, progress);
        }
        return run.Log;
    }

    /// <summary>
    /// The bracket difference per item, d = [e_φ(x̄_t) − e_ref(x̄_t)] − [e_φ(x_t) − e_ref(x_t)], and the loss max(0, m + d),
    /// from per-item errors laid out [experts; policy samples] (2B) for the trained model and the reference.
    /// </summary>
    public static (Tensor Difference, Tensor Loss) Hinge(Tensor policyError, Tensor referenceError, double margin)
    {
        var p = policyError.chunk(2);
        var r = referenceError.chunk(2);
        var diff = (p[0] - r[0]) - (p[1] - r[1]);
        return (diff, nn.functional.relu(diff + margin));
    }

    /// <summary>
    /// One state per item of a fresh trajectory of the policy (no grad, guidance 1): x_T drawn from the run's
    /// generator, timesteps t_j = (S − 1 − j)·stride + offset (offset per trajectory), stopped at a random step j; returns
    /// the state x_{t_j} (shaped <paramref name="shape"/>), t_j and the policy's prediction ε_θ(x_{t_j}) there.
    /// </summary>
    (Tensor Xt, Tensor T, Tensor Eps) OnlineStates(IDiffusionModel policy, long[] shape, Tensor tokens, Random rng, Generator generator)
    {
        using var _ = no_grad();
        var b = (int)tokens.shape[0];
        var steps = settings.SamplingSteps;
        var stride = policy.Schedule.Timesteps / steps;
        var offsets = Enumerable.Range(0, b).Select(_ => settings.PerturbTimesteps ? rng.Next(stride) : 0).ToArray();
        var stop = Enumerable.Range(0, b).Select(_ => rng.Next(steps)).ToArray();
        long[] TimestepsAt(int j) => offsets.Select(o => (long)Math.Min((steps - 1 - j) * stride + o, policy.Schedule.Timesteps - 1)).ToArray();
        var sampler = policy.Sampler();
        var x = randn(shape, generator: generator).to(policy.Device);
        Tensor? keptX = null, keptEps = null;
        for (var j = 0; j <= stop.Max(); j++)
        {
            var t = tensor(TimestepsAt(j), device: policy.Device);
            var eps = policy.PredictNoise(x, t, tokens);
            var here = tensor(stop.Select(s => s == j).ToArray(), device: policy.Device).view(-1, 1, 1, 1);
            keptX = keptX is null ? where(here, x, zeros_like(x)) : where(here, x, keptX);
            keptEps = keptEps is null ? where(here, eps, zeros_like(eps)) : where(here, eps, keptEps);
            if (j < steps - 1) x = sampler.Step(x, t, sampler.AlphaCumprod(TimestepsAt(j + 1), policy.Device), eps);
        }
        var stopT = tensor(stop.Select((s, i) => TimestepsAt(s)[i]).ToArray(), device: policy.Device);
        return (keptX!, stopT, keptEps!);
    }
}

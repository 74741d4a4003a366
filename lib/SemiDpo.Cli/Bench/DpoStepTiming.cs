using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SemiDpo.Cli.Bench;

/// <summary>
/// One Diffusion-DPO training step timed by phase, for any ε-network (the DPO benches of the world's TinyUNet and of
/// the Stable Diffusion UNet): winners and losers noised with one t and ε per pair, policy forward, frozen reference
/// forward, the loss's backward, clipping + AdamW — what the Python peers time too.
/// </summary>
internal static class DpoStepTiming
{
    /// <param name="policy">ε̂ of the trained network at (x_t, t, condition), differentiable.</param>
    /// <param name="reference">ε̂ of the frozen reference (run without grad).</param>
    public static PeerBench.Round Time(int steps, Tensor winners, Tensor losers, Tensor condition,
        Func<Tensor, Tensor, Tensor, Tensor> policy, Func<Tensor, Tensor, Tensor, Tensor> reference,
        IReadOnlyList<Parameter> parameters, OptimizerHelper optimizer)
    {
        var schedule = new NoiseSchedule();
        var loss = new DiffusionDpoLoss();
        var b = winners.shape[0];
        static Tensor Errors(Func<Tensor, Tensor, Tensor, Tensor> predict, Tensor xt, Tensor t, Tensor c, Tensor eps) =>
            (predict(xt, t, c) - eps).pow(2).mean([1, 2, 3]);
        return PeerBench.Time(steps, mark =>
        {
            var t = randint(0, schedule.Timesteps, [b]);
            var noise = randn_like(winners);
            var (eps, tt, c) = (cat([noise, noise], 0), cat([t, t], 0), cat([condition, condition], 0));
            var xt = schedule.QSample(cat([winners, losers], 0), eps, tt);
            mark();
            var policyError = Errors(policy, xt, tt, c, eps);
            mark();
            Tensor referenceError;
            using (no_grad()) referenceError = Errors(reference, xt, tt, c, eps);
            mark();
            nn.functional.softplus(-loss.Logit(policyError, referenceError)).mean().backward();
            mark();
            OptimizerStep.Apply(optimizer, parameters, 1e-5, 1.0, "bench");
            mark();
        });
    }
}

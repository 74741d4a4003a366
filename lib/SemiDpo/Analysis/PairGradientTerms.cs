using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using static TorchSharp.torch;

namespace SemiDpo.Analysis;

/// <summary>
/// Per-pair quantities of the DPO gradient at one timestep (paper Eq. 6): f = (1 − σ(z))·β and ‖Δφ‖², where
/// Δφ = ∂z/∂θ / β = ∇_θ[e_θ(xˡ) − e_θ(xʷ)] over ALL parameters of the policy (one backward per pair).
/// </summary>
public static class PairGradientTerms
{
    /// <summary>f·‖Δφ‖² for each listed pair; <paramref name="swap"/>[i] trains pair i the other way round (pseudo-label).</summary>
    public static double[] Compute(IDiffusionModel policy, IDiffusionModel reference, PairSet pairs, IReadOnlyList<int> indices,
        IReadOnlyList<bool> swap, long t, double beta, int seed)
    {
        var loss = new DiffusionDpoLoss(beta);
        var parameters = policy.Network.parameters().Cast<Tensor>().ToList();
        var result = new double[indices.Count];
        var wasTraining = policy.Network.training;
        policy.Network.eval();   // the quantity is a property of the model, not of dropout noise
        reference.Network.eval();
        try
        {
            for (var k = 0; k < indices.Count; k++)
            {
                using var scope = NewDisposeScope();
                var (w, l, tokens) = policy.Batch(pairs, [indices[k]], seed);
                if (swap[k]) (w, l) = (l, w);
                var noise = SeededNoise.For(seed, indices[k], t, w.shape[1..]).to(policy.Device);
                var timestep = full(1, t, dtype: ScalarType.Int64, device: policy.Device);
                var z = loss.Logit(policy, reference, w, l, tokens, timestep, noise);
                var f = (1 - sigmoid(z.detach())).item<float>() * beta;
                var gradients = autograd.grad([z / beta], parameters);
                var normSquared = gradients.Sum(g => g.to_type(ScalarType.Float64).pow(2).sum().item<double>());
                result[k] = f * normSquared;
            }
        }
        finally
        {
            if (wasTraining) policy.Network.train();
        }
        return result;
    }
}

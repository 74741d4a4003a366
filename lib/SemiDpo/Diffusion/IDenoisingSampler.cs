using static TorchSharp.torch;

namespace SemiDpo.Diffusion;

/// <summary>Which sampler draws images: DDIM, or the one the model's scheduler config names (PNDM for SD1.5).</summary>
public enum SamplerKind
{
    /// <summary>DDIM with η = 0 (<see cref="DdimSampler"/>): the world's sampler and an option everywhere.</summary>
    Ddim,
    /// <summary>The model's own scheduler (a diffusers folder's scheduler_config.json; the world's model: DDIM).</summary>
    Model,
}

/// <summary>Draws x_0 from x_T with a (guided) noise predictor, visiting a fixed list of timesteps.</summary>
public interface IDenoisingSampler
{
    /// <summary>The timesteps the predictor is called at, in order, for <paramref name="steps"/> inference steps.</summary>
    long[] Timesteps(int steps);

    /// <summary>
    /// Samples from <paramref name="start"/> (x_T). <paramref name="predictNoise"/>(x_t, t) returns ε̂, already combined
    /// with its unconditional twin when guided (<see cref="DdimSampler.Guide"/>).
    /// </summary>
    Tensor Sample(Tensor start, int steps, Func<Tensor, Tensor, Tensor> predictNoise);
}

namespace SemiDpo.Diffusion;

/// <summary>How each image's starting noise x_T is seeded by <see cref="DiffusionSampling"/>.</summary>
public enum NoiseSeeding
{
    /// <summary>By (seed, prompt, index): an image does not depend on its batch, shard or neighbours (the world's evaluation).</summary>
    PerImage,

    /// <summary>
    /// As the official <c>evaluate.py</c>: a generator seeded with the seed for each prompt (so every prompt starts from
    /// the same noise), the prompt's consecutive images its first draws — on the CPU the numbers diffusers' pipeline
    /// draws; on CUDA diffusers uses a CUDA generator, whose numbers differ.
    /// </summary>
    PerPrompt,
}

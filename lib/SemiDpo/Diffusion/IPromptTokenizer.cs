namespace SemiDpo.Diffusion;

/// <summary>Captions → fixed-length token ids: the world's word tokenizer, or CLIP's BPE for Stable Diffusion.</summary>
public interface IPromptTokenizer
{
    /// <summary>Ids per caption (every caption gives this many).</summary>
    int MaxLength { get; }

    /// <summary>The ids of one caption, padded or cut to <see cref="MaxLength"/>; "" is the null caption of guidance.</summary>
    long[] Encode(string caption);
}

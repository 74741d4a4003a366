using SemiDpo.Diffusion;

namespace SemiDpo.World.Model;

/// <summary>
/// Word-level tokenizer for the world's captions: a fixed vocabulary (the grammar's words), id 0 = padding, id 1 =
/// unknown word, and the empty caption "" as the null caption of classifier-free guidance (all padding).
/// </summary>
public sealed class CaptionTokenizer : IPromptTokenizer
{
    public const int Padding = 0;
    public const int Unknown = 1;
    public const int MaxLength = 12;

    readonly Dictionary<string, int> ids;

    public CaptionTokenizer()
    {
        var words = PromptGrammar.All.SelectMany(s => s.Caption.Split(' '))
            .Concat(Vocabulary.CountWords).Concat(["squares", "circles", "triangles", "diamonds", "rings"])
            .Distinct().Order(StringComparer.Ordinal).ToList();
        ids = words.Select((w, i) => (w, i + 2)).ToDictionary(p => p.w, p => p.Item2);
    }

    public int VocabularySize => ids.Count + 2;

    int IPromptTokenizer.MaxLength => MaxLength;

    /// <summary>Token ids, padded to <see cref="MaxLength"/>; longer captions are cut.</summary>
    public long[] Encode(string caption)
    {
        var tokens = new long[MaxLength];
        var words = caption.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < Math.Min(words.Length, MaxLength); i++) tokens[i] = ids.GetValueOrDefault(words[i], Unknown);
        return tokens;
    }
}

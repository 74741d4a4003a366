using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using SemiDpo.Diffusion;
using SemiDpo.Pretrained;

namespace SemiDpo.Clip;

/// <summary>
/// CLIP's byte-level BPE tokenizer, read from a transformers <c>tokenizer/</c> folder (vocab.json, merges.txt,
/// tokenizer_config.json): text → HTML-unescaped, whitespace collapsed, lower-cased (openai/CLIP's clean-up, here) →
/// split by CLIP's pattern, UTF-8 bytes mapped to printable characters, BPE with <c>&lt;/w&gt;</c> ending each word
/// (Microsoft.ML.Tokenizers' byte-level <see cref="BpeTokenizer"/>, which gives CLIP's ids exactly) →
/// [BOS] + at most 75 ids + [EOS], padded with the pad token to 77.
/// <para>
/// Matches openai/CLIP's simple_tokenizer.py with ftfy treated as the identity (the reference the fixture checks):
/// exact for text without mojibake. transformers' CLIPTokenizer with ftfy installed also repairs mojibake and
/// straightens curly quotes; without ftfy it drops control characters instead of unescaping HTML — captions that
/// depend on either differ there, and nowhere else.
/// </para>
/// </summary>
public sealed partial class ClipTokenizer : IPromptTokenizer
{
    readonly BpeTokenizer bpe;

    public ClipTokenizer(Dictionary<string, int> vocabulary, IReadOnlyList<(string, string)> merges, string padToken = EndOfText, int maxLength = 77)
    {
        int Id(string token, string what) =>
            vocabulary.TryGetValue(token, out var id) ? id : throw new ModelFormatException($"Token '{token}' ({what}) is not in the vocabulary.");
        BosId = Id(StartOfText, "start of text");
        EosId = Id(EndOfText, "end of text");
        PadId = Id(padToken, "pad token");
        MaxLength = maxLength;
        VocabularySize = vocabulary.Count;
        var special = new Dictionary<string, int> { [StartOfText] = BosId, [EndOfText] = EosId };
        bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges.Select(m => $"{m.Item1} {m.Item2}"),
            ByteLevel = true,
            EndOfWordSuffix = "</w>",
            SpecialTokens = special,
            PreTokenizer = new RegexPreTokenizer(Pattern(), special),
        });
    }

    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    public int BosId { get; }
    public int EosId { get; }
    public int PadId { get; }
    public int MaxLength { get; }
    public int VocabularySize { get; }

    /// <summary>Reads vocab.json, merges.txt and (when present) tokenizer_config.json / special_tokens_map.json of a folder.</summary>
    public static ClipTokenizer Load(string folder)
    {
        var vocabPath = Path.Combine(folder, "vocab.json");
        var mergesPath = Path.Combine(folder, "merges.txt");
        foreach (var path in new[] { vocabPath, mergesPath })
            if (!File.Exists(path)) throw new ModelFormatException($"{path}: missing (a CLIP tokenizer folder has vocab.json and merges.txt).");
        Dictionary<string, int> vocabulary;
        try
        {
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))!;
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{vocabPath}: not a JSON object of token → id ({e.Message}).");
        }
        var merges = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if (line.StartsWith("#version") || line.Length == 0) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2) throw new ModelFormatException($"{mergesPath}:{lineNumber}: expected two symbols separated by a space.");
            merges.Add((parts[0], parts[1]));
        }
        var settings = ConfigFile.Parse(ReadSettings(folder), Path.Combine(folder, "tokenizer_config.json"));
        return new ClipTokenizer(vocabulary, merges, PadToken(folder) ?? EndOfText, Math.Min(settings.Int("model_max_length", 77), 77));
    }

    static string ReadSettings(string folder)
    {
        var path = Path.Combine(folder, "tokenizer_config.json");
        return File.Exists(path) ? File.ReadAllText(path) : "{}";
    }

    /// <summary>The pad token of tokenizer_config.json or special_tokens_map.json (a string or {"content": …}).</summary>
    static string? PadToken(string folder)
    {
        foreach (var name in new[] { "tokenizer_config.json", "special_tokens_map.json" })
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            if (!json.RootElement.TryGetProperty("pad_token", out var pad)) continue;
            if (pad.ValueKind == JsonValueKind.String) return pad.GetString();
            if (pad.ValueKind == JsonValueKind.Object && pad.TryGetProperty("content", out var content)) return content.GetString();
        }
        return null;
    }

    /// <summary>[BOS] + ids + [EOS], cut to <see cref="MaxLength"/> (EOS kept last), padded with the pad token.</summary>
    public long[] Encode(string caption)
    {
        var ids = new long[MaxLength];
        Array.Fill(ids, PadId);
        ids[0] = BosId;
        var tokens = Tokenize(caption);
        var kept = Math.Min(tokens.Count, MaxLength - 2);
        for (var i = 0; i < kept; i++) ids[i + 1] = tokens[i];
        ids[kept + 1] = EosId;
        return ids;
    }

    /// <summary>The BPE ids of a caption, without BOS/EOS, uncut.</summary>
    public IReadOnlyList<int> Tokenize(string caption) =>
        bpe.EncodeToIds(Whitespace().Replace(WebUtility.HtmlDecode(WebUtility.HtmlDecode(caption)).Trim(), " ").Trim().ToLowerInvariant());

    // CLIP's split: special tokens, English contractions, letter runs, single digits, runs of other non-space symbols.
    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    // Python's \s also matches the separators \x1c–\x1f, .NET's does not.
    [GeneratedRegex(@"[\s\x1c-\x1f]+")]
    private static partial Regex Whitespace();
}

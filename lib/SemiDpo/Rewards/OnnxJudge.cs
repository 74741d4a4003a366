using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SemiDpo.Clip;
using SemiDpo.Imaging;
using SemiDpo.Pretrained;
using static TorchSharp.torch;

namespace SemiDpo.Rewards;

/// <summary>
/// What an exported judge needs besides its .onnx file, read from the JSON sidecar <c>&lt;model&gt;.onnx.json</c>:
/// input names, image size and normalisation, the tokenizer, and how the output becomes a score
/// (score = output · scale + shift, e.g. ImageReward's (r − 0.1672) / 1.0333).
/// </summary>
/// <param name="Tokenizer">Folder (relative to the sidecar) of a CLIP tokenizer (vocab.json + merges.txt) or a BERT vocab.txt file; null for image-only judges.</param>
/// <param name="TokenizerKind">"clip" or "bert" (BLIP / ImageReward).</param>
public sealed record OnnxJudgeSpec(string Name, string Role, string ImageInput, int ImageSize, float[] Mean, float[] Std, string Output,
    string? TextInput = null, string? MaskInput = null, string? Tokenizer = null, string TokenizerKind = "clip", int MaxLength = 77,
    double Scale = 1, double Shift = 0)
{
    static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>ImageReward's normalisation in the official code: (r − mean) / std.</summary>
    public const double ImageRewardMean = 0.16717362830052426, ImageRewardStd = 1.0333394966054072;

    /// <summary>
    /// The sidecar of an ImageReward export as the official score files need it: named <c>image_reward_score</c> and
    /// normalised as the official code does. A sidecar of the raw output (scale 1, shift 0) gets the normalisation; one
    /// that already has it keeps it; any other scale or shift is refused (it would be normalised twice or wrongly).
    /// </summary>
    public OnnxJudgeSpec AsImageReward(string path)
    {
        var (scale, shift) = (1 / ImageRewardStd, -ImageRewardMean / ImageRewardStd);
        var official = Math.Abs(Scale - scale) < 1e-9 && Math.Abs(Shift - shift) < 1e-9;
        if (!official && (Scale != 1 || Shift != 0))
            throw new ModelFormatException($"{path}: imagereward= applies ImageReward's official normalisation (r − {ImageRewardMean}) / {ImageRewardStd}; this sidecar scales by {Scale} and shifts by {Shift}: describe the raw output (scale 1, shift 0) or list it as another name.");
        return this with { Name = "image_reward_score", Scale = scale, Shift = shift };
    }

    public static OnnxJudgeSpec Read(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: no sidecar (an ONNX judge needs <model>.onnx.json beside its .onnx file).");
        OnnxJudgeSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<OnnxJudgeSpec>(File.ReadAllText(path), Options);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not a judge sidecar ({e.Message}).");
        }
        if (spec is null || string.IsNullOrEmpty(spec.Name) || string.IsNullOrEmpty(spec.ImageInput) || string.IsNullOrEmpty(spec.Output) || spec.ImageSize < 1)
            throw new ModelFormatException($"{path}: a sidecar needs name, image_input, image_size and output.");
        if (spec.Mean is not { Length: 3 } || spec.Std is not { Length: 3 }) throw new ModelFormatException($"{path}: mean and std need 3 values.");
        if ((spec.TextInput is null) != (spec.Tokenizer is null)) throw new ModelFormatException($"{path}: text_input and tokenizer go together.");
        if (spec.TokenizerKind is not ("clip" or "bert")) throw new ModelFormatException($"{path}: tokenizer_kind '{spec.TokenizerKind}' is not clip or bert.");
        return spec;
    }
}

/// <summary>
/// Any reward model exported to ONNX (the route for ImageReward's BLIP and for MPS, which are not ported), run by ONNX
/// Runtime — with the CUDA execution provider when asked for and present — and described by an
/// <see cref="OnnxJudgeSpec"/> sidecar. Images go through <see cref="ClipPreprocess"/> with the sidecar's size and
/// normalisation; captions through a CLIP or BERT tokenizer.
/// </summary>
public sealed class OnnxJudge : IRewardModel, IDisposable
{
    readonly InferenceSession session;
    readonly OnnxJudgeSpec spec;
    readonly Func<string, (long[] Ids, long[] Mask)>? tokenize;
    readonly ClipPreprocess preprocess;

    /// <param name="adjust">Applied to the sidecar as read (e.g. the official name and normalisation of a known judge).</param>
    public OnnxJudge(string modelPath, bool cuda = false, int batchSize = 16, Func<OnnxJudgeSpec, OnnxJudgeSpec>? adjust = null)
    {
        spec = OnnxJudgeSpec.Read(modelPath + ".json");
        if (adjust is not null) spec = adjust(spec);
        BatchSize = batchSize;
        if (!File.Exists(modelPath)) throw new ModelFormatException($"{modelPath}: no such ONNX model.");
        var options = new SessionOptions();
        if (cuda) options.AppendExecutionProvider_CUDA();
        try
        {
            session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException($"{modelPath}: ONNX Runtime cannot load it ({e.Message.Split('\n')[0]}).");
        }
        foreach (var input in new[] { spec.ImageInput, spec.TextInput, spec.MaskInput }.OfType<string>())
            if (!session.InputMetadata.ContainsKey(input))
                throw new ModelFormatException($"{modelPath}: the sidecar names input '{input}', the model has [{string.Join(", ", session.InputMetadata.Keys)}].");
        if (!session.OutputMetadata.ContainsKey(spec.Output))
            throw new ModelFormatException($"{modelPath}: the sidecar names output '{spec.Output}', the model has [{string.Join(", ", session.OutputMetadata.Keys)}].");
        preprocess = new ClipPreprocess(spec.ImageSize, spec.Mean, spec.Std);
        if (spec.Tokenizer is not null) tokenize = Tokenizer(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, spec.Tokenizer), spec);
    }

    public string Name => spec.Name;
    public string Role => spec.Role;
    public int BatchSize { get; }

    static Func<string, (long[], long[])> Tokenizer(string path, OnnxJudgeSpec spec)
    {
        if (spec.TokenizerKind == "clip")
        {
            var clip = ClipTokenizer.Load(path);
            return caption =>
            {
                var ids = clip.Encode(caption);
                var length = Array.IndexOf(ids, (long)clip.EosId) + 1;
                return (ids, ids.Select((_, i) => i < length ? 1L : 0L).ToArray());
            };
        }
        var bert = Microsoft.ML.Tokenizers.BertTokenizer.Create(path);
        return caption =>
        {
            var tokens = bert.EncodeToIds(caption, spec.MaxLength, out _, out _).Select(i => (long)i).ToList();
            var ids = tokens.Concat(Enumerable.Repeat(0L, spec.MaxLength - tokens.Count)).ToArray();
            return (ids, ids.Select((_, i) => i < tokens.Count ? 1L : 0L).ToArray());
        };
    }

    public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images)
    {
        if (prompts.Count != images.Count) throw new ArgumentException($"{prompts.Count} prompts for {images.Count} images.");
        var scores = new List<float>(images.Count);
        for (var start = 0; start < images.Count; start += BatchSize)
        {
            var count = Math.Min(BatchSize, images.Count - start);
            using var scope = NewDisposeScope();
            var pixels = preprocess.Apply(images.Skip(start).Take(count).ToList(), CPU).contiguous();
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor(spec.ImageInput, new DenseTensor<float>(pixels.data<float>().ToArray(), [count, 3, spec.ImageSize, spec.ImageSize])),
            };
            if (tokenize is not null)
            {
                var encoded = Enumerable.Range(start, count).Select(i => tokenize(prompts[i])).ToList();
                var length = encoded[0].Ids.Length;
                inputs.Add(NamedOnnxValue.CreateFromTensor(spec.TextInput!, new DenseTensor<long>(encoded.SelectMany(e => e.Ids).ToArray(), [count, length])));
                if (spec.MaskInput is not null)
                    inputs.Add(NamedOnnxValue.CreateFromTensor(spec.MaskInput, new DenseTensor<long>(encoded.SelectMany(e => e.Mask).ToArray(), [count, length])));
            }
            using var results = session.Run(inputs, [spec.Output]);
            var output = results[0].AsEnumerable<float>().ToArray();
            if (output.Length != count) throw new ModelFormatException($"{Name}: output '{spec.Output}' gave {output.Length} values for {count} images; expected one score per image.");
            scores.AddRange(output.Select(v => (float)(v * spec.Scale + spec.Shift)));
        }
        return scores.ToArray();
    }

    public void Dispose() => session.Dispose();
}

using System.Text.Json;
using SemiDpo.Pretrained;
using static TorchSharp.torch;

namespace SemiDpo.Clip;

/// <summary>What cannot be read off an openai / open_clip checkpoint's tensors: head counts and the MLP activation.</summary>
/// <param name="Activation">quick_gelu for openai's models, gelu for LAION's open_clip models (ViT-H-14, HPSv2).</param>
/// <param name="TextHeads">Heads of the text tower (default width / 64, as open_clip).</param>
/// <param name="VisionHeads">Heads of the vision tower (default width / 64).</param>
public sealed record OpenClipArchitecture(string Activation = "gelu", int? TextHeads = null, int? VisionHeads = null)
{
    /// <summary>The sizes an open_clip model config names, checked against the checkpoint's tensors (null: read off the tensors only).</summary>
    public OpenClipSizes? Expected { get; init; }

    /// <summary>
    /// open_clip's ViT-H-14 (its model_configs/ViT-H-14.json), the architecture of HPSv2 and HPSv2.1: vision width
    /// 1280 with head_width 80 (16 heads, not 1280 / 64 = 20), text width 1024 with 16 heads, GELU.
    /// </summary>
    public static OpenClipArchitecture VitH14 { get; } = new("gelu", TextHeads: 16, VisionHeads: 16)
    {
        Expected = new OpenClipSizes(EmbedDim: 1024, ImageSize: 224, PatchSize: 14, VisionWidth: 1280, VisionLayers: 32, TextWidth: 1024, TextLayers: 24,
            ContextLength: 77, VocabSize: 49408),
    };

    /// <summary>
    /// The architecture an open_clip model-config JSON describes (<c>embed_dim</c>, <c>quick_gelu</c>,
    /// <c>vision_cfg</c> {image_size, layers, width, head_width (default 64), patch_size}, <c>text_cfg</c>
    /// {context_length, vocab_size, width, heads (default 8), layers}): vision heads = width / head_width, as
    /// open_clip's VisionTransformer builds them.
    /// </summary>
    public static OpenClipArchitecture FromModelConfig(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: no such open_clip model config.");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var root = json.RootElement;
            JsonElement Section(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object
                ? v : throw new ModelFormatException($"{path}: no '{name}' object; not an open_clip model config.");
            int Int(JsonElement section, string where, string name, int? fallback = null) =>
                section.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32()
                : fallback ?? throw new ModelFormatException($"{path}: '{where}{name}' is missing.");
            var vision = Section("vision_cfg");
            var text = Section("text_cfg");
            var visionWidth = Int(vision, "vision_cfg.", "width");
            var headWidth = Int(vision, "vision_cfg.", "head_width", 64);
            if (headWidth <= 0 || visionWidth % headWidth != 0)
                throw new ModelFormatException($"{path}: vision width {visionWidth} is not a multiple of head_width {headWidth}.");
            var quickGelu = root.TryGetProperty("quick_gelu", out var q) && q.ValueKind == JsonValueKind.True;
            return new OpenClipArchitecture(quickGelu ? "quick_gelu" : "gelu", TextHeads: Int(text, "text_cfg.", "heads", 8), VisionHeads: visionWidth / headWidth)
            {
                Expected = new OpenClipSizes(Int(root, "", "embed_dim"), Int(vision, "vision_cfg.", "image_size"), Int(vision, "vision_cfg.", "patch_size"), visionWidth,
                    Int(vision, "vision_cfg.", "layers"), Int(text, "text_cfg.", "width"), Int(text, "text_cfg.", "layers"),
                    Int(text, "text_cfg.", "context_length", 77), Int(text, "text_cfg.", "vocab_size", 49408)),
            };
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not JSON ({e.Message}).");
        }
    }
}

/// <summary>The sizes of an open_clip CLIP, as its model config names them.</summary>
public sealed record OpenClipSizes(int EmbedDim, int ImageSize, int PatchSize, int VisionWidth, int VisionLayers, int TextWidth, int TextLayers,
    int ContextLength, int VocabSize);

/// <summary>
/// Loads a <see cref="ClipModel"/> from a transformers folder (config.json + model.safetensors, the layout of
/// openai/clip-vit-large-patch14 and PickScore) or from an openai / open_clip checkpoint (e.g. HPSv2's
/// HPS_v2_compressed.pt: pickled, read by <see cref="TorchPickle"/>; or safetensors), whose weight names are mapped to
/// transformers' and whose sizes are read off the tensors.
/// </summary>
public static class ClipCheckpoints
{
    public static ClipModel LoadTransformers(string folder, Device device, ScalarType dtype = ScalarType.Float32)
    {
        var model = StateDictFile.Place(new ClipModel(ClipConfig.Read(Path.Combine(folder, "config.json"))), device, dtype, frozen: true);
        ModuleWeights.Load(model, WeightFiles.Find(folder, "model"), ClipModel.IgnoredKeys);
        return model;
    }

    public static ClipModel LoadOpenClip(string checkpoint, OpenClipArchitecture architecture, Device device, ScalarType dtype = ScalarType.Float32)
    {
        var stored = StateDictFile.Read(checkpoint);
        var tensors = OpenClipNames.ToTransformers(stored.ToDictionary(p => p.Key.StartsWith("module.") ? p.Key["module.".Length..] : p.Key, p => p.Value), checkpoint);
        var model = StateDictFile.Place(new ClipModel(OpenClipNames.Config(tensors, architecture, checkpoint)), device, dtype, frozen: true);
        ModuleWeights.Load(model, tensors, checkpoint);
        return model;
    }
}

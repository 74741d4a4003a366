using SemiDpo.Pretrained;
using static TorchSharp.torch;

namespace SemiDpo.Clip;

/// <summary>What cannot be read off an openai / open_clip checkpoint's tensors: head counts and the MLP activation.</summary>
/// <param name="Activation">quick_gelu for openai's models, gelu for LAION's open_clip models (ViT-H-14, HPSv2).</param>
/// <param name="TextHeads">Heads of the text tower (default width / 64, as open_clip).</param>
/// <param name="VisionHeads">Heads of the vision tower (default width / 64).</param>
public sealed record OpenClipArchitecture(string Activation = "gelu", int? TextHeads = null, int? VisionHeads = null);

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

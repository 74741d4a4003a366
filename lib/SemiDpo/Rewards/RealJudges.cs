using SemiDpo.Clip;
using TorchSharp;
using static TorchSharp.torch;

namespace SemiDpo.Rewards;

/// <summary>
/// The paper's reward models from their published weights, named as the official code's score files name them
/// (semi_dpo/reward_models.py): clip_score (CLIP ViT-L/14, transformers folder), aesthetic_score (LAION MLP .pth over
/// that CLIP), pick_score (PickScore_v1, transformers folder), hps_score (HPSv2 open_clip checkpoint: ViT-H-14, or the
/// architecture of an open_clip model config given as <c>hps=FILE.pt@CONFIG.json</c>; HPSv2's own preprocessing),
/// image_reward_score and any other through ONNX (<see cref="OnnxJudge"/>).
/// Spec: <c>clip=DIR,aesthetic=FILE,pickscore=DIR,hps=FILE[@CONFIG.json],imagereward=FILE.onnx,&lt;name&gt;=FILE.onnx</c>.
/// </summary>
public static class RealJudges
{
    /// <param name="tokenizer">A CLIP tokenizer folder for judges whose weights come without one (PickScore, HPSv2); default: the clip= folder.</param>
    /// <param name="dtype">The CLIP towers' dtype; default <see cref="DefaultDType"/> (float16 on CUDA, as the official code loads its reward models).</param>
    public static List<IRewardModel> Load(string spec, Device device, string? tokenizer = null, OpenClipArchitecture? hpsArchitecture = null, ScalarType? dtype = null)
    {
        var towers = dtype ?? DefaultDType(device);
        ClipModel Cast(ClipModel model) { if (towers != ScalarType.Float32) model.to(towers); return model; }
        var parts = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p =>
        {
            var eq = p.IndexOf('=');
            if (eq <= 0 || eq == p.Length - 1) throw new ArgumentException($"Judge '{p}' is not name=path (e.g. clip=/models/clip-vit-large-patch14).");
            return (Name: p[..eq].ToLowerInvariant(), Path: p[(eq + 1)..]);
        }).ToList();
        foreach (var (name, path) in parts.Where(p => !File.Exists(p.Path) && !Directory.Exists(p.Path) && !(p.Name == "hps" && p.Path.Contains('@'))))
            throw new ArgumentException($"Judge {name}: {path} does not exist.");
        var clipFolder = parts.FirstOrDefault(p => p.Name == "clip").Path;
        ClipTokenizer Tokenizer(string? folder, string judge)
        {
            var found = new[] { folder, tokenizer, clipFolder }.OfType<string>().FirstOrDefault(f => File.Exists(Path.Combine(f, "vocab.json")));
            return found is not null ? ClipTokenizer.Load(found)
                : throw new ArgumentException($"Judge {judge} needs a CLIP tokenizer folder (vocab.json, merges.txt): give --tokenizer, or clip= with one.");
        }
        ClipModel? clip = null;
        var judges = new List<IRewardModel>();
        foreach (var (name, path) in parts)
        {
            switch (name)
            {
                case "clip":
                    clip = Cast(ClipCheckpoints.LoadTransformers(path, device));
                    judges.Add(new ClipJudge("clip_score", "alignment", clip, Tokenizer(path, name), ClipScoring.Cosine));
                    break;
                case "aesthetic":
                    var l14 = clip ?? throw new ArgumentException("aesthetic= reads CLIP ViT-L/14 image embeddings: list clip=<folder> before it.");
                    judges.Add(new LaionAestheticJudge(l14, AestheticMlp.Load(path, device)));
                    break;
                case "pickscore":
                    judges.Add(new ClipJudge("pick_score", "overall", Cast(ClipCheckpoints.LoadTransformers(path, device)), Tokenizer(path, name), ClipScoring.ScaledCosine));
                    break;
                case "hps":
                    var (checkpoint, architecture) = HpsCheckpoint(path, hpsArchitecture);
                    var hps = Cast(ClipCheckpoints.LoadOpenClip(checkpoint, architecture, device));
                    judges.Add(new ClipJudge("hps_score", "overall", hps, Tokenizer(null, name), ClipScoring.Cosine,
                        new ClipPreprocess(hps.Config.Vision.ImageSize, Fit: ClipFit.LongerSidePad)));
                    break;
                case "imagereward":
                    if (!path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                        throw new ArgumentException($"Judge imagereward: {path} is not an .onnx export (ImageReward's BLIP runs through ONNX here).");
                    judges.Add(new OnnxJudge(path, device.type == TorchSharp.DeviceType.CUDA, adjust: spec => spec.AsImageReward(path + ".json")));
                    break;
                default:
                    if (!path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                        throw new ArgumentException($"Judge {name}: not one of clip, aesthetic, pickscore, hps; other judges are .onnx files with a sidecar.");
                    judges.Add(new OnnxJudge(path, device.type == TorchSharp.DeviceType.CUDA));
                    break;
            }
        }
        if (judges.Select(j => j.Name).Distinct().Count() != judges.Count) throw new ArgumentException("A judge is listed twice.");
        return judges;
    }

    /// <summary>The judges' default dtype: float16 on CUDA (the official reward_models.py), float32 on the CPU.</summary>
    public static ScalarType DefaultDType(Device device) => device.type == TorchSharp.DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32;

    /// <summary>
    /// <c>hps=FILE.pt@CONFIG.json</c>: the checkpoint and the open_clip model config that describes it; <c>hps=FILE.pt</c>:
    /// open_clip's ViT-H-14, the architecture of HPSv2 and HPSv2.1 (the official code loads HPS_v2.1_compressed.pt).
    /// </summary>
    static (string Checkpoint, OpenClipArchitecture Architecture) HpsCheckpoint(string path, OpenClipArchitecture? given)
    {
        var at = path.LastIndexOf('@');
        if (at < 0 || File.Exists(path)) return (path, given ?? OpenClipArchitecture.VitH14);
        var (checkpoint, config) = (path[..at], path[(at + 1)..]);
        if (!File.Exists(checkpoint)) throw new ArgumentException($"Judge hps: {checkpoint} does not exist.");
        return (checkpoint, OpenClipArchitecture.FromModelConfig(config));
    }
}

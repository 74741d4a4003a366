using SemiDpo.Clip;
using static TorchSharp.torch;

namespace SemiDpo.Rewards;

/// <summary>
/// The paper's reward models from their published weights, named as the official code's score files name them
/// (semi_dpo/reward_models.py): clip_score (CLIP ViT-L/14, transformers folder), aesthetic_score (LAION MLP .pth over
/// that CLIP), pick_score (PickScore_v1, transformers folder), hps_score (HPSv2 open_clip ViT-H-14 checkpoint),
/// image_reward_score and any other through ONNX (<see cref="OnnxJudge"/>).
/// Spec: <c>clip=DIR,aesthetic=FILE,pickscore=DIR,hps=FILE,imagereward=FILE.onnx,&lt;name&gt;=FILE.onnx</c>.
/// </summary>
public static class RealJudges
{
    /// <param name="tokenizer">A CLIP tokenizer folder for judges whose weights come without one (PickScore, HPSv2); default: the clip= folder.</param>
    public static List<IRewardModel> Load(string spec, Device device, string? tokenizer = null, OpenClipArchitecture? hpsArchitecture = null)
    {
        var parts = spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p =>
        {
            var eq = p.IndexOf('=');
            if (eq <= 0 || eq == p.Length - 1) throw new ArgumentException($"Judge '{p}' is not name=path (e.g. clip=/models/clip-vit-large-patch14).");
            return (Name: p[..eq].ToLowerInvariant(), Path: p[(eq + 1)..]);
        }).ToList();
        foreach (var (name, path) in parts.Where(p => !File.Exists(p.Path) && !Directory.Exists(p.Path)))
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
                    clip = ClipCheckpoints.LoadTransformers(path, device);
                    judges.Add(new ClipJudge("clip_score", "alignment", clip, Tokenizer(path, name), ClipScoring.Cosine));
                    break;
                case "aesthetic":
                    var l14 = clip ?? throw new ArgumentException("aesthetic= reads CLIP ViT-L/14 image embeddings: list clip=<folder> before it.");
                    judges.Add(new LaionAestheticJudge(l14, AestheticMlp.Load(path, device)));
                    break;
                case "pickscore":
                    judges.Add(new ClipJudge("pick_score", "overall", ClipCheckpoints.LoadTransformers(path, device), Tokenizer(path, name), ClipScoring.ScaledCosine));
                    break;
                case "hps":
                    judges.Add(new ClipJudge("hps_score", "overall", ClipCheckpoints.LoadOpenClip(path, hpsArchitecture ?? new OpenClipArchitecture(), device),
                        Tokenizer(null, name), ClipScoring.Cosine));
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
}

using System.Security.Cryptography;
using System.Text.Json;
using SemiDpo.Rewards;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Judges;

/// <summary>How one learned judge of the world is built and trained.</summary>
/// <param name="Name">Judge name (file name of its weights).</param>
/// <param name="Role">Its specialisation, as in the paper's Table 6.</param>
/// <param name="Width">Channels of the first convolution.</param>
/// <param name="TrainingItems">Images (contrastive) or preference pairs (Bradley-Terry) it learns from.</param>
/// <param name="DataSeed">Seed of its own annotated split of the world (never the seed of the main world).</param>
/// <param name="Contrastive">True for the CLIP stand-in, false for Bradley-Terry preference models.</param>
public sealed record JudgeSpec(string Name, string Role, int Width, int TrainingItems, int DataSeed, bool Contrastive)
{
    public const int Features = 64;
    public const int Embedding = 32;

    /// <summary>A fresh, untrained network of this judge's kind and size.</summary>
    public Module<Tensor, Tensor, Tensor> CreateNet() =>
        Contrastive ? new ContrastiveNet(Width, Features, Embedding) : new PreferenceRewardNet(Width, Features);
}

/// <summary>
/// The five judges of the miniature world, named for the paper's roles: MiniClip (alignment; contrastive), MiniAesthetic
/// (aesthetics; fixed heuristic), MiniHps, MiniImageReward, MiniPickScore (overall; Bradley-Terry on separate annotated
/// splits with different seeds and sizes). Weights live in a folder with a manifest of SHA-256 hashes.
/// </summary>
public static class JudgePanel
{
    /// <summary>The paper's order (Table 5): CLIP, Aesthetic, HPS, ImageReward, PickScore.</summary>
    public static IReadOnlyList<string> PaperOrder { get; } = ["MiniClip", "MiniAesthetic", "MiniHps", "MiniImageReward", "MiniPickScore"];

    public static IReadOnlyList<JudgeSpec> LearnedSpecs { get; } =
    [
        new("MiniClip", "alignment", 16, 12_000, 9001, Contrastive: true),
        new("MiniHps", "overall", 16, 6_000, 9101, Contrastive: false),
        new("MiniImageReward", "overall", 16, 5_000, 9102, Contrastive: false),
        new("MiniPickScore", "overall", 16, 8_000, 9103, Contrastive: false),
    ];

    public const string ManifestName = "manifest.json";
    public const string RegenerateCommand = "dotnet run --project lib/SemiDpo.Cli -- judges train --out data/judges";

    /// <summary>Trains every learned judge and writes weights + manifest to <paramref name="folder"/>.</summary>
    public static RewardCommittee Train(string folder, Device device, JudgeTrainingConfig? config = null, IProgress<JudgeTrainingProgress>? progress = null)
    {
        Directory.CreateDirectory(folder);
        var judges = new List<IRewardModel>();
        var manifest = new Dictionary<string, string>();
        foreach (var spec in LearnedSpecs)
        {
            var trainConfig = (config ?? new JudgeTrainingConfig()) with { Seed = spec.DataSeed };
            var net = spec.CreateNet();
            if (net is ContrastiveNet contrastive)
            {
                var (images, captions) = JudgeTrainer.CaptionedImages(spec.TrainingItems, spec.DataSeed);
                JudgeTrainer.TrainContrastive(contrastive, images, captions, trainConfig, device, spec.Name, progress);
            }
            else
            {
                var pairs = new WorldBuilder(new WorldConfig(Pairs: spec.TrainingItems, Seed: spec.DataSeed)).Pairs(0, spec.TrainingItems);
                JudgeTrainer.TrainPreference((PreferenceRewardNet)net, pairs, trainConfig, device, spec.Name, progress);
            }
            net.save(WeightsPath(folder, spec.Name));
            manifest[spec.Name] = Sha256(WeightsPath(folder, spec.Name));
            judges.Add(new NetworkJudge(spec.Name, spec.Role, net, device));
        }
        File.WriteAllText(Path.Combine(folder, ManifestName), JsonSerializer.Serialize(new Manifest(RegenerateCommand, manifest), JsonOptions));
        return Assemble(judges);
    }

    /// <summary>Loads the judges from <paramref name="folder"/>, checking every file against the manifest's hash.</summary>
    public static RewardCommittee Load(string folder, Device device)
    {
        folder = IO.BundledData.Resolve(folder);
        var manifestPath = Path.Combine(folder, ManifestName);
        if (!File.Exists(manifestPath))
            throw new FileNotFoundException($"No judge weights in {folder} ({ManifestName} missing). Train them with: {RegenerateCommand}", manifestPath);
        var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath), JsonOptions)
            ?? throw new InvalidDataException($"{manifestPath} is empty.");
        var judges = new List<IRewardModel>();
        foreach (var spec in LearnedSpecs)
        {
            var path = WeightsPath(folder, spec.Name);
            if (!File.Exists(path)) throw new FileNotFoundException($"Judge weights {path} are missing. Regenerate with: {RegenerateCommand}", path);
            if (!manifest.Sha256.TryGetValue(spec.Name, out var expected) || expected != Sha256(path))
                throw new InvalidDataException($"{path} does not match the SHA-256 in {manifestPath} (corrupt or from another version). Regenerate with: {RegenerateCommand}");
            var net = spec.CreateNet();
            net.load(path);
            net.to(device).eval();
            judges.Add(new NetworkJudge(spec.Name, spec.Role, net, device));
        }
        return Assemble(judges);
    }

    /// <summary>The committee in the paper's order, with the heuristic aesthetic judge added.</summary>
    static RewardCommittee Assemble(List<IRewardModel> learned)
    {
        var all = learned.Append(new AestheticJudge()).ToDictionary(j => j.Name);
        return new RewardCommittee(PaperOrder.Select(n => all[n]).ToList());
    }

    static string WeightsPath(string folder, string name) => Path.Combine(folder, $"{name}.bin");

    static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    sealed record Manifest(string Regenerate, Dictionary<string, string> Sha256);
}

using System.Text.Json;
using SemiDpo.Diffusion;
using SemiDpo.Torch;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Diffusion;

[Collection(TorchRandomCollection.Name)]
public class CheckpointTests
{
    static readonly UNetConfig Small = new(Channels: 8, TextWidth: 8);
    static readonly string SmallJson = JsonSerializer.Serialize(Small);
    readonly CaptionTokenizer tokenizer = new();

    public CheckpointTests() => TorchRuntime.Init();

    TinyUNet NewModel(int seed)
    {
        Seeding.Everything(seed);
        return new TinyUNet(Small, tokenizer.VocabularySize);
    }

    [Fact]
    public void SaveThenLoad_RestoresWeightsStepAndTheRandomStream()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "ckpt.bin");
        var saved = NewModel(1);
        var optimizer = optim.AdamW(saved.parameters(), 1e-3);
        Checkpoint.Save(path, saved, optimizer, SmallJson, step: 7);
        var nextDraws = randn(8).data<float>().ToArray();           // what the uninterrupted run draws next…
        Seeding.Everything(999);                                     // …and the RNG must come back from the checkpoint

        var restored = NewModel(2);
        var header = Checkpoint.Load(path, restored, optim.AdamW(restored.parameters(), 1e-3), SmallJson);

        Assert.Equal(7, header.Step);
        Assert.Equal(nextDraws, randn(8).data<float>().ToArray());
        Assert.Equal(Weights(saved), Weights(restored));
        Assert.NotEqual(Weights(NewModel(2)), Weights(restored));
    }

    static float[] Weights(TinyUNet model) => model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [Fact]
    public void ACorruptedCheckpoint_IsRefused()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "ckpt.bin");
        Checkpoint.Save(path, NewModel(1), null, SmallJson, 0);
        var bytes = File.ReadAllBytes(path);
        bytes[^10] ^= 0x55;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, NewModel(1), null, SmallJson));
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void ATruncatedCheckpoint_IsRefused()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "ckpt.bin");
        Checkpoint.Save(path, NewModel(1), null, SmallJson, 0);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, NewModel(1), null, SmallJson));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ACheckpointOfAnotherConfig_IsRefusedNamingBothConfigs()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "ckpt.bin");
        Checkpoint.Save(path, NewModel(1), null, SmallJson, 0);
        var other = JsonSerializer.Serialize(new UNetConfig(Channels: 16, TextWidth: 8));

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, NewModel(1), null, other));
        Assert.Contains("\"Channels\":8", e.Message);
        Assert.Contains("\"Channels\":16", e.Message);
    }

    [Fact]
    public void Save_LeavesNoTemporaryFileBehind()
    {
        using var temp = TestPaths.NewTempFolder();
        Checkpoint.Save(Path.Combine(temp.Path, "ckpt.bin"), NewModel(1), null, SmallJson, 0);
        Assert.Equal(["ckpt.bin"], Directory.GetFiles(temp.Path).Select(Path.GetFileName));
    }

    /// <summary>Three 800 MB parameters: 2.4 GB of weights, past .NET's 2 GB array limit (each tensor stays under it, as TorchSharp's format needs).</summary>
    sealed class Large : nn.Module
    {
        readonly TorchSharp.Modules.Parameter a, b, c;

        public Large(float value) : base(nameof(Large))
        {
            a = nn.Parameter(full(200_000_000, value));
            b = nn.Parameter(full(200_000_000, value + 1));
            c = nn.Parameter(full(200_000_000, value + 2));
            RegisterComponents();
        }
    }

    [Fact]
    public void ACheckpointLargerThan2GB_RoundTripsStreamed_AndACorruptOneIsRefused()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "large.ckpt");
        using (var saved = new Large(1))
        {
            using (no_grad()) saved.parameters().Last()[123_456_789] = tensor(-5f);
            Checkpoint.Save(path, saved, null, "{}", step: 4);
        }
        Assert.True(new FileInfo(path).Length > 2_400_000_000, $"{new FileInfo(path).Length} bytes");

        using var restored = new Large(0);
        var header = Checkpoint.Load(path, restored, null, "{}");

        Assert.Equal(4, header.Step);
        Assert.Equal(2_400_000_000, header.ModelBytes - header.ModelBytes % 1_000_000);
        var p = restored.parameters().ToList();
        Assert.True(p[0].eq(1).all().item<bool>() && p[1].eq(2).all().item<bool>());
        Assert.Equal(-5f, p[2][123_456_789].item<float>());
        Assert.Equal(3f, p[2][123_456_790].item<float>());

        using (var file = File.OpenWrite(path))
        {
            file.Position = 1_500_000_000;
            file.WriteByte(0x42);
        }
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, restored, null, "{}"));
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void AVersion1Checkpoint_TheCommittedBaseModel_StillLoads()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "data", "base-model", "base.ckpt");
        var header = Checkpoint.ReadHeader(path);
        Assert.NotNull(header.ModelSha256);
        using var model = DiffusionModel.Load(path);
        Assert.True(model.UNet.parameters().Any());
    }
}

using SemiDpo.Data;
using SemiDpo.Official;
using SemiDpo.StableDiffusion;
using SemiDpo.Tests.StableDiffusion;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Cli;

/// <summary><c>semidpo train --model</c>: the Stage-1 output → Iter0 → pseudo-labels → Iter1 on a diffusers folder, through LoRA, exported.</summary>
public class TrainStableDiffusionTests
{
    static void Ok((int ExitCode, string Output, string Error) run) => Assert.True(run.ExitCode == 0, run.Error + run.Output);

    [Fact]
    public async Task LoraTraining_OnATinySdFolder_RunsTwoIterations_WithGradientCheckpointingAndStreamedImages_AndExportsALoadableDiffusersFolder()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["world", "build", "--out", In("world"), "--pairs", "300", "--seed", "3"]));
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["filter", "--in", In("world"), "--out", In("filter")]));

        var run = CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", In("filter"), "--model", SdFixture.TinySd, "--lora", "2",
            "--iterations", "2", "--steps0", "4", "--steps", "3", "--batch", "4", "--micro-batch", "2", "--lr0", "1e-2", "--lr", "1e-2",
            "--resolution", "32", "--unlabeled-sample", "40", "--threshold", "fixed", "--percentile", "50", "--gradient-checkpointing", "--stream-images", "--out", In("train"), "--export", In("export")]);

        Ok(run);
        Assert.Contains("LoRA rank 2", run.Output);
        Assert.Contains("images streamed from the shards a batch at a time", run.Output);
        Assert.Contains("trained, gradient checkpointing", run.Output);
        Assert.Equal(1 + 4 + 3, File.ReadAllLines(In("train/train-log.csv")).Length);
        Assert.True(File.Exists(In("train/iter1.ckpt")));
        var noisyIdx = (await PickapicFile.ReadPairsAsync(In("filter/noisy.parquet"))).Select(p => p.Row).ToHashSet();
        var confidence = ConfidenceFiles.Read(In("train/official/iter1"));                  // the official pipeline's files, by source idx
        Assert.Equal(40, confidence.Count);
        Assert.Subset(noisyIdx, confidence.Keys.ToHashSet());
        Assert.Equal(11, File.ReadAllLines(In("train/official/iter1/summary.csv")).Length);
        var anchors = ConsensusIndexFiles.ReadCleanIdx(In("filter/clean_idx_part0.json"));   // Iter1's anchors: the first third of the clean pairs
        var labels = PseudoLabelFile.Read(In("train/official/iter1/pseudo_labels.json"), anchors);
        Assert.All(labels.Accepted, mask => Assert.Equal((ushort)0b1111111111, mask));          // +1 at every timestep
        var others = ConsensusIndexFiles.ReadCleanIdx(In("filter/clean_idx_part1.json"));
        Assert.All(PseudoLabelFile.Read(In("train/official/iter1/pseudo_labels.json"), others).Accepted, mask => Assert.Equal(0, mask));
        using var exported = StableDiffusionModel.Load(In("export"), CPU);
        using var original = SdFixture.Load();
        Assert.Null(exported.Lora);
        var r = SdFixture.Reference();
        using var noGrad = no_grad();
        Assert.False(exported.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"])
            .equal(original.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"])).all().item<bool>(), "the export is the untrained UNet");
        Assert.Equal(File.ReadAllBytes(Path.Combine(SdFixture.TinySd, "vae", "diffusion_pytorch_model.safetensors")),
            File.ReadAllBytes(In("export/vae/diffusion_pytorch_model.safetensors")));
        // Each iteration's LoRA for diffusers' load_lora_weights, relative to the folder's UNet: under the official rule
        // (Iter0's adapters fused, fresh ones for Iter1) Iter1's holds both side by side; base + it = the export.
        Assert.True(File.Exists(In("train/iter0-lora/pytorch_lora_weights.safetensors")));
        using var rebuilt = SdFixture.Load();
        rebuilt.EnableLora(In("train/iter1-lora"));
        Assert.Equal(4, rebuilt.Lora!.Rank);
        SdFixture.AssertClose(exported.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]),
            rebuilt.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"]), "base + iter1-lora vs the merged export", 1e-4);
    }

    [Fact]
    public void AdaptiveDpoBaseline_OnATinySdFolder_TrainsLoraAdaptersThroughTheSameTrainer_WithFlipsBfloat16FrozenPartsAndMixedPrecision_AndExports()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 200, seed: 8);

        var run = CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", filter, "--model", SdFixture.TinySd, "--lora", "2", "--baseline", "adaptive",
            "--iterations", "1", "--steps0", "4", "--batch", "4", "--micro-batch", "2", "--lr0", "1e-2", "--resolution", "32", "--hflip", "--frozen-dtype", "bfloat16",
            "--mixed-precision", "bfloat16", "--out", In("train"), "--export", In("export")]);

        Ok(run);
        Assert.Contains("LoRA rank 2", run.Output);
        Assert.Contains("mirrored at random", run.Output);
        Assert.Contains("computing in bfloat16: mixed precision", run.Output);
        Assert.Equal(1 + 4, File.ReadAllLines(In("train/train-log.csv")).Length);
        Assert.True(File.Exists(In("train/adaptive.ckpt")));
        using var exported = StableDiffusionModel.Load(In("export"), CPU);
        using var original = SdFixture.Load();
        var r = SdFixture.Reference();
        using var noGrad = no_grad();
        Assert.False(exported.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"])
            .equal(original.UNet.forward(r["unet/sample"], r["unet/t"], r["unet/context"])).all().item<bool>(), "the export is the untrained UNet");
        Assert.Equal(File.ReadAllBytes(Path.Combine(SdFixture.TinySd, "vae", "diffusion_pytorch_model.safetensors")),   // frozen parts leave as they came, not in bfloat16
            File.ReadAllBytes(In("export/vae/diffusion_pytorch_model.safetensors")));
    }

    [Fact]
    public void KtoBaseline_OnATinySdFolder_TrainsSingleImagesThroughLoraAdapters()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        var filter = CliProcess.FilteredWorld(temp.Path, pairs: 200, seed: 9);

        var run = CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", filter, "--model", SdFixture.TinySd, "--lora", "2", "--baseline", "kto",
            "--iterations", "1", "--steps0", "3", "--batch", "2", "--micro-batch", "1", "--lr0", "1e-2", "--resolution", "32", "--out", In("train")]);

        Ok(run);
        Assert.Contains("LoRA rank 2", run.Output);
        var log = File.ReadAllLines(In("train/train-log.csv"));
        Assert.Equal(1 + 3, log.Length);
        // LoRA starts at B = 0 and the reference is the adapters-off model: at step 1 every g is 0 and the loss σ-half.
        Assert.Equal(0.5, double.Parse(log[1].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture), 6);
        Assert.NotEqual(0.5, double.Parse(log[3].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture), 6);
        Assert.True(File.Exists(In("train/kto.ckpt")));
    }
}

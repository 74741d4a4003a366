using SemiDpo.Diffusion;
using SemiDpo.Official;
using SemiDpo.Tests.StableDiffusion;
using SemiDpo.World;

namespace SemiDpo.Tests.Cli;

/// <summary>
/// The real-data path as a user runs it, every step a `semidpo` process: Pick-a-Pic-shaped JPEG shards of mixed sizes
/// → score (3 shards) → filter → latents → train with LoRA, killed mid-Iter0 and resumed → export → eval.
/// </summary>
public class RealDataEndToEndTests
{
    static void Ok((int ExitCode, string Output, string Error) run, string step) => Assert.True(run.ExitCode == 0, $"{step}: {run.Error}{run.Output}");

    [Fact]
    public async Task JpegShards_ToAnExportedLoraModel_InOfficialFormats_ResumingAKilledTrainingToTheSameResult()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        await PickapicLikeShards.WriteAsync(In("pickapic"), new WorldBuilder(new WorldConfig(Pairs: 150, Seed: 21)).Pairs(0, 150), shards: 3, seed: 2);
        var shards = In("pickapic/train-*.parquet");
        var judges = $"clip={SdFixture.Folder("tiny-clip")},aesthetic={SdFixture.Folder("tiny-aesthetic.pth")}";
        var runs = Enumerable.Range(0, 3).Select(r => CliProcess.Start(temp.Path, ["score", "--in", shards, "--judges", judges,
            "--out", In($"scores/scores_rank{r:000}.jsonl"), "--rank", $"{r}", "--world-size", "3"])).ToList();
        foreach (var run in runs) { run.WaitForExit(); Assert.True(run.ExitCode == 0, run.StandardError.ReadToEnd()); }
        Ok(CliProcess.Run(temp.Path, ["filter", "--in", shards, "--scores", In("scores/scores_rank*.jsonl"), "--test-fraction", "0.2", "--out", In("filter")]), "filter");
        Ok(CliProcess.Run(TestPaths.RepoRoot, ["latents", "--filter", In("filter"), "--model", SdFixture.TinySd, "--resolution", "32", "--chunk", "16"]), "latents");
        string[] Train(string output) => ["train", "--filter", In("filter"), "--model", SdFixture.TinySd, "--lora", "2", "--resolution", "32",
            "--iterations", "2", "--steps0", "16", "--steps", "8", "--batch", "4", "--micro-batch", "2", "--lr0", "1e-2", "--lr", "1e-2",
            "--checkpoint-every", "2", "--threshold", "fixed", "--percentile", "50", "--unlabeled-sample", "32", "--out", output, "--export", Path.Combine(output, "final")];

        Ok(CliProcess.Run(TestPaths.RepoRoot, Train(In("whole"))), "train");
        // SIGKILL once a checkpoint of the given iteration holds at least minStep steps, before that iteration ends.
        void KillInside(string output, string checkpointName, int minStep, int lastStep)
        {
            using var child = CliProcess.Start(TestPaths.RepoRoot, Train(output));
            var checkpoint = Path.Combine(output, checkpointName);
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!(File.Exists(checkpoint) && Checkpoint.ReadHeader(checkpoint).Step >= minStep) && DateTime.UtcNow < deadline && !child.HasExited) Thread.Sleep(20);
            child.Kill();
            child.WaitForExit();
            Assert.InRange(Checkpoint.ReadHeader(checkpoint).Step, minStep, lastStep);
        }
        KillInside(In("killed"), "iter0.ckpt", 4, 15);
        var resumed = CliProcess.Run(TestPaths.RepoRoot, Train(In("killed")));
        Ok(resumed, "resumed train");
        // And killed inside Iter1, whose LoRA starts from Iter0's adapters fused into the UNet (the official rule).
        KillInside(In("killed1"), "iter1.ckpt", 2, 7);
        Ok(CliProcess.Run(TestPaths.RepoRoot, Train(In("killed1"))), "train resumed inside Iter1");

        Assert.Contains("(cached latents)", resumed.Output);
        foreach (var file in new[] { "iter0.ckpt", "iter1.ckpt", "train-log.csv", "official/iter1/confidence_rank000.jsonl", "official/iter1/summary.csv",
                     "official/iter1/pseudo_labels.json", "final/unet/diffusion_pytorch_model.safetensors", "iter1-lora/pytorch_lora_weights.safetensors" })
        {
            Assert.True(File.ReadAllBytes(In($"whole/{file}")).SequenceEqual(File.ReadAllBytes(In($"killed/{file}"))), $"{file} differs after kill and resume");
            Assert.True(File.ReadAllBytes(In($"whole/{file}")).SequenceEqual(File.ReadAllBytes(In($"killed1/{file}"))), $"{file} differs after a kill inside Iter1");
        }
        Assert.True(ConsensusIndexFiles.ReadCleanIdx(In("filter/clean_idx.json")).Length > 0);
        Assert.NotEmpty(ConfidenceFiles.Read(In("killed/official/iter1")));
        await File.WriteAllLinesAsync(In("prompts.txt"), ["a red circle on a white background", "two blue squares"]);
        var eval = CliProcess.Run(TestPaths.RepoRoot, ["eval", "--prompt-file", In("prompts.txt"), "--model", SdFixture.TinySd, "--model", In("killed/final"),
            "--judges", judges, "--steps", "2", "--size", "32", "--images", In("images")]);
        Ok(eval, "eval");
        // evaluate.py's layout: {i}-{k}.png and {i}-{k}.json per prompt index, one folder per model.
        Assert.True(File.Exists(In("images/final/1-0.png")));
        Assert.Contains("\"prompt\": \"two blue squares\"", File.ReadAllText(In("images/final/1-0.json")));
    }
}

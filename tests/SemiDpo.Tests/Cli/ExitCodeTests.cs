namespace SemiDpo.Tests.Cli;

/// <summary>Exit codes 0/1/2/3 as the README documents them, with one-line messages and no stack trace for known errors.</summary>
public class ExitCodeTests
{
    static void AssertOneLineError((int ExitCode, string Output, string Error) run, int code, string mention)
    {
        Assert.True(run.ExitCode == code, $"exit {run.ExitCode}, expected {code}: {run.Error}{run.Output}");
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("semidpo: ", lines[0]);
        Assert.Contains(mention, lines[0]);
        Assert.DoesNotContain("   at ", run.Error + run.Output);
    }

    [Theory]
    [InlineData("filter --bogus", "Unknown option 'bogus'")]
    [InlineData("trian", "Unknown command 'trian'")]
    [InlineData("train --steps many", "many")]
    [InlineData("filter --test-fraction 2", "--test-fraction")]
    [InlineData("score --in x.parquet", "--judges is required")]
    [InlineData("train --lora 4", "need --model")]
    [InlineData("train --model x --frozen-dtype double", "not float32, float16 or bfloat16")]
    [InlineData("reproduce --baselines dpo,nonsense", "Unknown baseline 'nonsense'")]
    [InlineData("reproduce --clean-keep 0", "kept share of the clean pairs")]
    [InlineData("reproduce --flip-rate 0.6", "flip rate")]
    [InlineData("reproduce --threshold-population half", "half")]
    [InlineData("train --batch 6 --micro-batch 4", "MicroBatch must divide")]
    [InlineData("sweep --values 1,x", "not a comma-separated list")]
    [InlineData("sweep --method cdpo --values 0,0.6", "Label smoothing must be in [0, 0.5)")]
    [InlineData("sweep --method ipo", "unknown 'ipo'")]
    [InlineData("train --baseline realalign", "realalign needs the world's renderer")]
    [InlineData("train --baseline cdpo --smoothing 0.5", "Label smoothing must be in [0, 0.5)")]
    [InlineData("confidence --from x --model y", "it takes no --model")]
    [InlineData("confidence --model lib", "--reference is required with a Stable Diffusion --model")]
    public void UsageErrors_ExitTwo(string args, string mention) =>
        AssertOneLineError(CliProcess.Run(TestPaths.RepoRoot, args.Split(' ')), 2, mention);

    [Theory]
    [InlineData("filter --in /no/such/pairs.parquet", "/no/such/pairs.parquet")]
    [InlineData("filter ablate --in /no/such/pairs.parquet --scores /no/such.jsonl", "/no/such/pairs.parquet")]
    [InlineData("judges matrix --in /no/such/pairs.parquet", "/no/such/pairs.parquet")]
    [InlineData("world stats --in /no/such/world", "/no/such/world")]
    [InlineData("score --judges clip=/no/such/clip --in /no/such/pairs.parquet", "/no/such")]
    [InlineData("train --filter /no/such/filter", "/no/such/filter")]
    [InlineData("confidence --model /no/such/iter0.ckpt", "/no/such/iter0.ckpt")]
    [InlineData("confidence --from /no/such/confidence --filter /no/such/filter", "/no/such/filter")]
    [InlineData("analyze variance --model /no/such/iter0.ckpt", "/no/such/iter0.ckpt")]
    [InlineData("sample --model /no/such/sd --prompt x", "/no/such/sd")]
    public void MissingInputs_ExitOne_NamingThePath(string args, string mention) =>
        AssertOneLineError(CliProcess.Run(TestPaths.RepoRoot, args.Split(' ')), 1, mention);

    [Fact]
    public void AnAbsentDevice_ExitsOne_SayingSo() =>
        AssertOneLineError(CliProcess.Run(TestPaths.RepoRoot, ["reproduce", "--quick", "--device", "cuda", "--out", Path.Combine(Path.GetTempPath(), $"semidpo-nodevice-{Guid.NewGuid():N}")]),
            1, "CUDA is not available");
}

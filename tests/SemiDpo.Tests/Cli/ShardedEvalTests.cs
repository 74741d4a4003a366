using SemiDpo.Tests.StableDiffusion;

namespace SemiDpo.Tests.Cli;

/// <summary>
/// <c>semidpo eval --prompt-file … --rank/--world-size --shards DIR</c>: shard processes sample and score their share of
/// the prompts, and the last to finish writes the table one process writes.
/// </summary>
public class ShardedEvalTests
{
    static void Ok((int ExitCode, string Output, string Error) run) => Assert.True(run.ExitCode == 0, run.Error + run.Output);

    [Fact]
    public async Task TwoShardProcesses_WriteTheTableOfOneProcess_ByteForByte()
    {
        using var temp = TestPaths.NewTempFolder();
        string In(string name) => Path.Combine(temp.Path, name);
        await File.WriteAllLinesAsync(In("prompts.txt"), ["a red circle", "two blue squares", "a green triangle", "a cat", "a dog on grass", "three yellow stars"]);
        string[] Eval(string table, params string[] shard) =>
            ["eval", "--prompt-file", In("prompts.txt"), "--model", SdFixture.TinySd, "--model", SdFixture.TinySd + "/",
             "--judges", $"clip={SdFixture.Folder("tiny-clip")},aesthetic={SdFixture.Folder("tiny-aesthetic.pth")}", "--steps", "2", "--size", "32", "--out", table, .. shard];

        Ok(CliProcess.Run(TestPaths.RepoRoot, Eval(In("one.csv"))));
        var first = CliProcess.Run(TestPaths.RepoRoot, Eval(In("two.csv"), "--rank", "1", "--world-size", "2", "--shards", In("shards")));
        Ok(first);
        Assert.Contains("1 of 2 shards present", first.Output);
        Assert.False(File.Exists(In("two.csv")));
        Ok(CliProcess.Run(TestPaths.RepoRoot, Eval(In("two.csv"), "--rank", "0", "--world-size", "2", "--shards", In("shards"))));

        Assert.Equal(File.ReadAllBytes(In("one.csv")), File.ReadAllBytes(In("two.csv")));
        Assert.Equal(2 * 4, File.ReadAllLines(In("shards/eval_rank000.jsonl")).Length);    // sampling batch 0: prompts 0–3, both models
        Assert.Equal(2 * 2, File.ReadAllLines(In("shards/eval_rank001.jsonl")).Length);    // batch 1: prompts 4–5
    }
}

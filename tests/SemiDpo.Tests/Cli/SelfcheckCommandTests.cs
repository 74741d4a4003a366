namespace SemiDpo.Tests.Cli;

/// <summary><c>semidpo selfcheck sd15</c> at its tiny size: the real path's steps as processes, kill -9 and resume byte-identical.</summary>
public class SelfcheckCommandTests
{
    [Fact]
    public void TheSelfcheck_OnTheTinyArchitectures_RunsEveryStep_AndResumesAKilledTrainingByteIdentically_KeepingOnlyTheExport()
    {
        using var temp = TestPaths.NewTempFolder();
        var run = CliProcess.Run(TestPaths.RepoRoot, ["selfcheck", "sd15", "--size", "tiny", "--fine-tuning", "lora", "--out", temp.Path], timeoutSeconds: 600);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("byte-identical", run.Output);
        Assert.Contains("reload the LoRA export and sample", run.Output);
        Assert.True(File.Exists(Path.Combine(temp.Path, "lora-export.png")));
        Assert.True(File.Exists(Path.Combine(temp.Path, "stable-diffusion", "tokenizer", "merges.txt")));
        Assert.Contains("confidence (clean)", run.Output);   // each step's own output (train's) is shown as it runs
        Assert.True(File.Exists(Path.Combine(temp.Path, "lora-whole", "final", "unet", "diffusion_pytorch_model.safetensors")));
        Assert.Empty(Directory.GetFiles(Path.Combine(temp.Path, "lora-whole"), "*.ckpt"));   // compared, then deleted: disk for one run
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "lora-killed")));
    }

    [Fact]
    public async Task SigtermToTheSelfcheck_StopsTheStepItIsRunning_BeforeItExits()
    {
        using var temp = TestPaths.NewTempFolder();
        using var selfcheck = CliProcess.Start(TestPaths.RepoRoot, "selfcheck", "sd15", "--size", "tiny", "--fine-tuning", "lora", "--out", temp.Path);
        var error = selfcheck.StandardError.ReadToEndAsync();
        var output = new List<string>();
        while (await selfcheck.StandardOutput.ReadLineAsync() is { } line)
        {
            output.Add(line);
            if (line.StartsWith("world pairs:", StringComparison.Ordinal)) break;   // printed as the step's process starts
        }

        System.Diagnostics.Process.Start("kill", ["-TERM", $"{selfcheck.Id}"])!.WaitForExit();
        output.Add(await selfcheck.StandardOutput.ReadToEndAsync());
        await selfcheck.WaitForExitAsync();

        var log = string.Join("\n", output) + await error;
        Assert.True(selfcheck.ExitCode == 3, $"exit code {selfcheck.ExitCode}\n{log}");   // interrupted
        Assert.Empty(ProcessesNaming(temp.Path));   // every step's --out lies in the folder: none runs on
    }

    /// <summary>Processes (not zombies) whose command line contains <paramref name="text"/>.</summary>
    static List<string> ProcessesNaming(string text)
    {
        var found = new List<string>();
        foreach (var folder in Directory.GetDirectories("/proc").Where(f => Path.GetFileName(f).All(char.IsDigit)))
        {
            try
            {
                var command = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                if (command.Contains(text, StringComparison.Ordinal) && stat[stat.LastIndexOf(')') + 2] != 'Z') found.Add(command);
            }
            catch (IOException)
            {
                // it ended meanwhile
            }
        }
        return found;
    }

    [Theory]
    [InlineData("--size", "huge", "--size: 'huge' is not sd15 or tiny")]
    [InlineData("--fine-tuning", "partial", "--fine-tuning: 'partial' is not lora, full or both")]
    public void AnUnknownChoice_IsAOneLineUsageError(string option, string value, string message)
    {
        var run = CliProcess.Run(TestPaths.RepoRoot, ["selfcheck", "sd15", option, value]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error + run.Output);
    }
}

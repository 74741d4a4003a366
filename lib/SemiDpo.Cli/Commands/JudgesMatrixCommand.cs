using SemiDpo.Cli.Common;
using SemiDpo.World.Judges;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo judges matrix</c>: the Table-6-style specialisation matrix (pairwise agreement per judge and dimension).</summary>
public sealed class JudgesMatrixCommand : AsyncCommand<JudgeInputSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, JudgeInputSettings settings, CancellationToken cancellation)
    {
        var (pairs, source) = await JudgeInputs.LoadPairs(settings, cancellation);
        var scores = JudgeInputs.Scores(settings, pairs, source);
        Tables.Print(JudgeSpecialisation.Compute(pairs, scores), "Judge specialisation: share of pairs where the judge orders the two images as the dimension does");
        return 0;
    }
}

using SemiDpo.Cli.Common;
using SemiDpo.World.Judges;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Commands;

/// <summary><c>semidpo filter ablate</c>: the K-ablation (paper Table 5) and every judge subset.</summary>
public sealed class FilterAblateCommand : AsyncCommand<JudgeInputSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, JudgeInputSettings settings, CancellationToken cancellation)
    {
        var (pairs, source) = await JudgeInputs.LoadPairs(settings, cancellation);
        var scores = JudgeInputs.Scores(settings, pairs, source);
        Tables.Print(ConsensusAblation.ToFrame(ConsensusAblation.Run(pairs, scores)),
            "Consensus with K judges: paper order first (CLIP+Aes, +HPS, +IR, +Pick), then every subset");
        return 0;
    }
}

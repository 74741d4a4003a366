using SemiDpo.Data;
using SemiDpo.Torch;

namespace SemiDpo.World;

/// <summary>
/// Builds a miniature world: for each pair a training prompt, two different generators, two rendered images, their
/// oracle scores and a label from a simulated annotator. Each pair draws from its own random stream (seed, index),
/// so the result does not depend on thread scheduling: same config, same pairs, same file bytes.
/// </summary>
public sealed class WorldBuilder(WorldConfig config)
{
    static readonly DateTime Epoch = new(2023, 4, 1, 0, 0, 0, DateTimeKind.Utc);

    readonly IReadOnlyList<SimulatedAnnotator> annotators = CreateAnnotators(config);

    public WorldConfig Config => config;
    public IReadOnlyList<SimulatedAnnotator> Annotators => annotators;

    /// <summary>Pair number <paramref name="index"/> of this world.</summary>
    public PreferencePair Pair(long index)
    {
        var rng = new Random(StableHash.Mix(config.Seed, index));
        var prompts = PromptGrammar.Train;
        var asked = prompts[rng.Next(prompts.Count)];
        var generators = config.Generators;
        var g0 = rng.Next(generators.Count);
        var g1 = (g0 + 1 + rng.Next(generators.Count - 1)) % generators.Count;
        var image0 = Renderer.Render(asked, generators[g0].SampleFlaws(asked, rng), config.ImageSize, rng);
        var image1 = Renderer.Render(asked, generators[g1].SampleFlaws(asked, rng), config.ImageSize, rng);
        var score0 = PixelOracle.Score(image0, asked);
        var score1 = PixelOracle.Score(image1, asked);
        var annotator = annotators[rng.Next(annotators.Count)];
        var (label0, label1) = annotator.Judge(score0, score1, rng);
        var metadata = new PairMetadata(
            Image0Uid: Uid(rng), Image1Uid: Uid(rng),
            Model0: generators[g0].Name, Model1: generators[g1].Name,
            UserId: annotator.UserId, RankingId: index,
            AreDifferent: true, HasLabel: true,
            CreatedAt: Epoch.AddSeconds(index * 37));
        var truth = new GroundTruth(score0, score1, score0.Utility(config.Weights), score1.Utility(config.Weights));
        return new PreferencePair(asked.Caption, image0, image1, label0, label1, metadata, truth);
    }

    /// <summary>Pairs [start, start + count), computed in parallel, returned in order.</summary>
    public PreferencePair[] Pairs(long start, int count)
    {
        var pairs = new PreferencePair[count];
        Parallel.For(0, count, i => pairs[i] = Pair(start + i));
        return pairs;
    }

    /// <summary>Writes the whole world to <paramref name="path"/> (atomically: a temp file renamed at the end).</summary>
    public async Task WriteAsync(string path, IProgress<long>? progress = null, CancellationToken cancellation = default)
    {
        config.Validate();
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            await using (var stream = File.Create(temp))
            await using (var writer = await PickapicWriter.CreateAsync(stream, withTruth: true))
            {
                for (long start = 0; start < config.Pairs; start += config.RowGroupSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var count = (int)Math.Min(config.RowGroupSize, config.Pairs - start);
                    await writer.WriteRowGroupAsync(Pairs(start, count));
                    progress?.Report(start + count);
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    static IReadOnlyList<SimulatedAnnotator> CreateAnnotators(WorldConfig config)
    {
        var rng = new Random(StableHash.Mix(config.Seed, -1));
        var (lo, hi) = config.Temperatures;
        return Enumerable.Range(1, config.Annotators)
            .Select(id => new SimulatedAnnotator(id, (Dimension)rng.Next(3), config.FavouriteWeight, lo + rng.NextDouble() * (hi - lo), config.TieMargin))
            .ToList();
    }

    static string Uid(Random rng)
    {
        Span<byte> bytes = stackalloc byte[16];
        rng.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }
}

namespace SemiDpo.IO;

/// <summary>
/// This process's share of an embarrassingly parallel stage: items i with i mod WorldSize = Rank. Given explicitly, or
/// read from a SLURM job array (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT) or from
/// torchrun-style RANK / WORLD_SIZE; one process owns everything otherwise.
/// </summary>
public sealed record Shard(int Rank, int WorldSize)
{
    public static Shard Single { get; } = new(0, 1);

    public static Shard Resolve(int? rank = null, int? worldSize = null)
    {
        static int? Variable(string name) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : null;
        var shard = rank is not null || worldSize is not null ? new Shard(rank ?? 0, worldSize ?? 1)
            : Variable("SLURM_ARRAY_TASK_ID") is { } task && Variable("SLURM_ARRAY_TASK_COUNT") is { } count ? new Shard(task - (Variable("SLURM_ARRAY_TASK_MIN") ?? 0), count)
            : Variable("RANK") is { } r && Variable("WORLD_SIZE") is { } w ? new Shard(r, w)
            : Single;
        if (shard.WorldSize < 1 || shard.Rank < 0 || shard.Rank >= shard.WorldSize)
            throw new ArgumentException($"Rank {shard.Rank} of world size {shard.WorldSize} is not a shard (0 ≤ rank < world size).");
        return shard;
    }

    public bool Owns(long item) => item % WorldSize == Rank;

    /// <summary>
    /// The batches of <paramref name="batchSize"/> consecutive items of <paramref name="count"/> that this shard owns
    /// (batch b when b mod world size = rank), as item ranges: a shard computes each item in the batch it has in one
    /// process, and a batch's composition changes the float rounding of its forwards.
    /// </summary>
    public IEnumerable<Range> OwnedBatches(int count, int batchSize) =>
        Enumerable.Range(0, (count + batchSize - 1) / batchSize).Where(b => Owns(b)).Select(b => new Range(b * batchSize, Math.Min(count, (b + 1) * batchSize)));

    /// <summary>How many shards of this world size have their file (<see cref="FileName"/>) in <paramref name="folder"/>.</summary>
    public int FilesPresent(string folder, string stem, string extension) =>
        Enumerable.Range(0, WorldSize).Count(r => File.Exists(Path.Combine(folder, new Shard(r, WorldSize).FileName(stem, extension))));

    /// <summary>The official pipeline's per-rank file name, e.g. scores_rank003.jsonl.</summary>
    public string FileName(string stem, string extension) => $"{stem}_rank{Rank:000}{extension}";
}

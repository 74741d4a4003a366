using SemiDpo.Data;

namespace SemiDpo.World;

/// <summary>
/// Settings of a miniature world. The defaults are calibrated to look like Pick-a-Pic v2: about 12 % ties and a
/// human label that agrees with the true preference on about 70 % of the other pairs (<c>semidpo world stats</c>).
/// </summary>
/// <param name="Pairs">Number of preference pairs (the size <c>semidpo reproduce</c> uses by default).</param>
/// <param name="Seed">Everything (prompts, generators, annotators, noise) follows from it: same seed, same bytes.</param>
/// <param name="ImageSize">Width and height of the square images.</param>
/// <param name="Annotators">Size of the annotator pool (user_id 1…N).</param>
/// <param name="FavouriteWeight">Weight an annotator gives their favourite dimension (the other two share the rest).</param>
/// <param name="TemperatureRange">Each annotator's Bradley-Terry temperature is drawn uniformly from this range.</param>
/// <param name="TieMargin">Utility difference below which an annotator calls a tie.</param>
/// <param name="RowGroupSize">Pairs per parquet row group.</param>
public sealed record WorldConfig(
    int Pairs = 20_000,
    int Seed = 1,
    int ImageSize = 32,
    int Annotators = 200,
    double FavouriteWeight = 0.7,
    (double Min, double Max) TemperatureRange = default,
    double TieMargin = 0.025,
    int RowGroupSize = 2_048)
{
    public (double Min, double Max) Temperatures => TemperatureRange == default ? (0.10, 0.20) : TemperatureRange;

    /// <summary>Weights of the population utility that defines the TRUE preference.</summary>
    public DimensionWeights Weights { get; init; } = new();

    /// <summary>The generators pairs are drawn from (two different ones per pair).</summary>
    public IReadOnlyList<GeneratorProfile> Generators { get; init; } = GeneratorProfile.Defaults;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Pairs < 1) throw new ArgumentException($"Pairs must be at least 1 (got {Pairs}).");
        if (ImageSize < 16 || ImageSize % 2 != 0) throw new ArgumentException($"ImageSize must be an even number ≥ 16 (got {ImageSize}).");
        if (Annotators < 1) throw new ArgumentException($"Annotators must be at least 1 (got {Annotators}).");
        if (FavouriteWeight is < 0 or > 1) throw new ArgumentException($"FavouriteWeight must be in [0, 1] (got {FavouriteWeight}).");
        if (Temperatures.Min <= 0 || Temperatures.Max < Temperatures.Min) throw new ArgumentException($"TemperatureRange must be positive and ordered (got {Temperatures}).");
        if (TieMargin < 0) throw new ArgumentException($"TieMargin must be ≥ 0 (got {TieMargin}).");
        if (RowGroupSize < 1) throw new ArgumentException($"RowGroupSize must be at least 1 (got {RowGroupSize}).");
        if (Generators.Count < 2) throw new ArgumentException("A world needs at least two generators.");
    }
}

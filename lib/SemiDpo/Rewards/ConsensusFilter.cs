namespace SemiDpo.Rewards;

/// <summary>Stage-1 settings: the judge-tie tolerance, the clean test share and the seed of that split (paper: 2 %).</summary>
public sealed record ConsensusConfig(double JudgeTieTolerance = 1e-6, double TestFraction = 0.02, int Seed = 42);

/// <summary>
/// The partition of a preference set: clean pairs (every judge agrees with the human label) split into train and a
/// held-out test part, noisy pairs (the rest), and the ties dropped first. Row indices refer to the scored file.
/// </summary>
public sealed record ConsensusSplit(
    IReadOnlyList<string> Judges,
    int[] CleanTrain,
    int[] CleanTest,
    int[] Noisy,
    int Ties,
    IReadOnlyDictionary<string, double> JudgeAgreesWithHuman)
{
    public int NonTie => CleanTrain.Length + CleanTest.Length + Noisy.Length;
    public double CleanFraction => NonTie == 0 ? 0 : (double)(CleanTrain.Length + CleanTest.Length) / NonTie;
    public IEnumerable<int> Clean => CleanTrain.Concat(CleanTest);
}

/// <summary>
/// Multi-reward consensus filtering (paper §3.3): after dropping ties, a pair is clean iff for every judge k,
/// Δr_k = r_k(x_w, c) − r_k(x_l, c) &gt; tolerance, where x_w is the human winner; a judge tie (|Δr_k| ≤ tolerance)
/// is not agreement. A seeded share of the clean pairs is held out as the clean test split.
/// </summary>
public static class ConsensusFilter
{
    public static ConsensusSplit Split(ReadOnlySpan<double> label0, ReadOnlySpan<double> label1, ScoreTable scores, ConsensusConfig? config = null)
    {
        config ??= new ConsensusConfig();
        if (label0.Length != scores.Rows || label1.Length != scores.Rows)
            throw new ArgumentException($"{label0.Length} labels for {scores.Rows} scored rows.");
        var judges = scores.Judges.Count;
        var tolerance = (float)config.JudgeTieTolerance;
        var clean = new List<int>(scores.Rows / 4);
        var noisy = new List<int>(scores.Rows);
        var agree = new long[judges];
        var ties = 0;
        for (var row = 0; row < scores.Rows; row++)
        {
            var preference = label0[row].CompareTo(label1[row]);
            if (preference == 0) { ties++; continue; }
            var all = true;
            for (var k = 0; k < judges; k++)
            {
                var margin = preference > 0 ? scores.Score0[k][row] - scores.Score1[k][row] : scores.Score1[k][row] - scores.Score0[k][row];
                if (margin > tolerance) agree[k]++;
                else all = false;
            }
            (all ? clean : noisy).Add(row);
        }
        var nonTie = clean.Count + noisy.Count;
        var (train, test) = HoldOut(clean, config.TestFraction, config.Seed);
        return new ConsensusSplit(scores.Judges, train, test, noisy.ToArray(), ties,
            scores.Judges.Select((j, k) => (j, nonTie == 0 ? double.NaN : (double)agree[k] / nonTie)).ToDictionary(t => t.j, t => t.Item2));
    }

    /// <summary>A seeded shuffle of the clean rows; the first round(fraction · n) form the test split (both returned sorted).</summary>
    internal static (int[] Train, int[] Test) HoldOut(List<int> clean, double fraction, int seed)
    {
        if (fraction is < 0 or >= 1) throw new ArgumentException($"TestFraction must be in [0, 1) (got {fraction}).");
        var shuffled = clean.ToArray();
        new Random(seed).Shuffle(shuffled);
        var testCount = (int)Math.Round(fraction * shuffled.Length);
        var test = shuffled[..testCount];
        var train = shuffled[testCount..];
        Array.Sort(test);
        Array.Sort(train);
        return (train, test);
    }
}

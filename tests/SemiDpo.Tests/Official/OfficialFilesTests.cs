using SemiDpo.Method;
using SemiDpo.Official;
using SemiDpo.Preferences;
using SemiDpo.Rewards;

namespace SemiDpo.Tests.Official;

/// <summary>
/// The official pipeline's files (L-CodingSpace/Semi-DPO): files in its exact format are read, and ours round-trip, so
/// stages can be swapped with the Python code.
/// </summary>
public class OfficialFilesTests
{
    static ConfidenceTable Table(int pairs, int seed)
    {
        var rng = new Random(seed);
        var z = new float[pairs, TimestepIntervals.Count];
        for (var i = 0; i < pairs; i++)
        for (var j = 0; j < TimestepIntervals.Count; j++) z[i, j] = (float)(rng.NextDouble() * 6 - 2);
        return new ConfidenceTable(z);
    }

    [Fact]
    public void ConfidenceShardsAsTheOfficialCodeWritesThem_AreMerged_LaterLinesWinning()
    {
        using var temp = TestPaths.NewTempFolder();
        // json.dumps(row) of compute_confidence.py: {"idx": 12, "timestep_50": 1.7, ...}
        string Line(long idx, double z) => "{\"idx\": " + idx + string.Concat(Enumerable.Range(0, 10).Select(j => $", \"timestep_{50 + 100 * j}\": {z + j}")) + "}";
        File.WriteAllLines(Path.Combine(temp.Path, "confidence_rank000.jsonl"), [Line(12, 1.5), Line(3, -0.25)]);
        File.WriteAllLines(Path.Combine(temp.Path, "confidence_rank001.jsonl"), [Line(40, 2), Line(12, 1.5)]);

        var rows = ConfidenceFiles.Read(temp.Path);

        Assert.Equal([3L, 12, 40], rows.Keys);
        Assert.Equal(-0.25f, rows[3][0]);
        Assert.Equal(8.75f, rows[3][9]);
        var table = ConfidenceFiles.Table(rows, [40, 3], temp.Path);
        Assert.Equal(2f, table.Z[0, 0]);
        var e = Assert.Throws<ScoreFileException>(() => ConfidenceFiles.Table(rows, [7], temp.Path));
        Assert.Contains("idx 7", e.Message);
    }

    [Fact]
    public void OurConfidenceShard_RoundTrips()
    {
        using var temp = TestPaths.NewTempFolder();
        var table = Table(25, 1);
        var idx = Enumerable.Range(0, 25).Select(i => (long)(1000 + 3 * i)).ToList();
        ConfidenceFiles.Write(Path.Combine(temp.Path, "confidence_rank000.jsonl"), idx, table);
        var back = ConfidenceFiles.Table(ConfidenceFiles.Read(temp.Path), idx, temp.Path);
        Assert.Equal(table.Z.Cast<float>(), back.Z.Cast<float>());
    }

    [Fact]
    public void Summary_IsTable7AccuracyAndNumpyPercentiles()
    {
        // z for 4 pairs: accuracy 0.75 at every anchor; |z| = 0.5, 1, 2, 4 → numpy percentile 50 = 1.5, 90 = 3.4
        var z = new float[4, 10];
        float[] values = [1, -0.5f, 2, 4];
        for (var i = 0; i < 4; i++) for (var j = 0; j < 10; j++) z[i, j] = values[i];
        var rows = ConfidenceSummary.Summarize(new ConfidenceTable(z));
        Assert.Equal(10, rows.Count);
        Assert.Equal(50, rows[0].Timestep);
        Assert.Equal(950, rows[9].Timestep);
        Assert.Equal(0.75, rows[0].Accuracy);
        Assert.Equal(1.625, rows[0].Mean, 12);
        Assert.Equal(Math.Sqrt((0.625 * 0.625 + 2.125 * 2.125 + 0.375 * 0.375 + 2.375 * 2.375) / 4), rows[0].Std, 12);
        Assert.Equal([1.5, 2.5, 2.8, 3.25, 3.4], rows[0].AbsPercentiles.Select(p => Math.Round(p, 10)));

        using var temp = TestPaths.NewTempFolder();
        ConfidenceSummary.Write(temp.Path, rows);
        var csv = File.ReadAllLines(Path.Combine(temp.Path, "summary.csv"));
        Assert.Equal("timestep,num_pairs,accuracy,mean,std,abs_p50,abs_p75,abs_p80,abs_p87.5,abs_p90", csv[0]);
        Assert.StartsWith("50,4,0.75,1.625,", csv[1]);
        Assert.Contains("\"abs_p87.5\": 3.25", File.ReadAllText(Path.Combine(temp.Path, "summary.json")));
    }

    [Fact]
    public void PseudoLabelsAsTheOfficialCodeWritesThem_AreRead_AndOursRoundTrip()
    {
        using var temp = TestPaths.NewTempFolder();
        var official = Path.Combine(temp.Path, "official.json");
        // json.dump(labels) of build_pseudo_labels.py: keys are str(idx)
        File.WriteAllText(official, "{\"7\": {" + string.Join(", ", Enumerable.Range(0, 10).Select(j => $"\"timestep_{50 + 100 * j}\": {(j < 3 ? 1 : j < 5 ? -1 : 0)}")) + "}}");

        var read = PseudoLabelFile.Read(official, [5, 7]);

        Assert.Equal([(ushort)0, (ushort)0b11111], read.Accepted);
        Assert.Equal([(ushort)0, (ushort)0b11000], read.Swap);

        var ours = Path.Combine(temp.Path, "pseudo_labels.json");
        PseudoLabelFile.Write(ours, [5, 7], read, cleanIdx: [100]);
        var again = PseudoLabelFile.Read(ours, [5, 7, 100]);
        Assert.Equal([(ushort)0, (ushort)0b11111, (ushort)0b1111111111], again.Accepted);
        Assert.Equal([(ushort)0, (ushort)0b11000, (ushort)0], again.Swap);
        Assert.DoesNotContain("\"5\"", File.ReadAllText(ours));                    // pairs without a label are absent
    }

    [Fact]
    public void ConsensusIndexAndStats_AreWrittenAsTheOfficialCodeDoes_ListingSourceRows()
    {
        using var temp = TestPaths.NewTempFolder();
        var split = new ConsensusSplit(["clip_score", "hps_score"], [2, 5, 9], [4], [0, 1, 3], 2,
            new Dictionary<string, double> { ["clip_score"] = 0.75, ["hps_score"] = 0.5 });
        long[] rows = [.. Enumerable.Range(0, 10).Select(i => 100L + 2 * i)];      // positions → rows of the scored source
        ConsensusIndexFiles.Write(temp.Path, split, rows);
        Assert.Equal([104L, 110, 118], ConsensusIndexFiles.ReadCleanIdx(Path.Combine(temp.Path, "clean_idx.json")));
        using var stats = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(temp.Path, "stats.json")));
        Assert.Equal(7, stats.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(4, stats.RootElement.GetProperty("clean").GetInt32());
        Assert.Equal(3, stats.RootElement.GetProperty("clean_train").GetInt32());
        Assert.Equal(0.75, stats.RootElement.GetProperty("agreement_with_human").GetProperty("clip_score").GetDouble());
    }
}

using CsCheck;
using Parquet;
using Parquet.Schema;
using SemiDpo.Data;
using SemiDpo.Diffusion;
using SemiDpo.Rewards;
using SemiDpo.Tests.Cli;
using SemiDpo.World;
using SemiDpo.World.Model;
using Xunit.Abstractions;
using C = SemiDpo.Data.PickapicColumns;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Robustness;

/// <summary>
/// Corrupted inputs of every kind a user can hand us — parquet shards, score files, checkpoints — each give a clear
/// error (our exception type, naming the file) or a counted skip: never another exception, a hang, a non-finite value
/// in what is read, or a half-written output. Each test prints its outcome counts.
/// </summary>
public class CorruptionFuzzTests(ITestOutputHelper output)
{
    const string ClearError = "clear error", CountedSkip = "counted skip", Read = "read unchanged or silently altered data";

    sealed class Tally(ITestOutputHelper output, string kind)
    {
        readonly Dictionary<string, int> counts = [];
        public void Add(string outcome) { lock (counts) counts[outcome] = counts.GetValueOrDefault(outcome) + 1; }
        public void Check(params string[] allowed)
        {
            output.WriteLine($"{kind}: {counts.Values.Sum()} inputs → " + string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}")));
            Assert.All(counts.Keys, outcome => Assert.Contains(outcome, allowed));
        }
    }

    /// <summary>Writes <paramref name="bytes"/> cut to each of <paramref name="iter"/> random lengths to <paramref name="path"/>, calling <paramref name="check"/> after each.</summary>
    static void Truncations(byte[] bytes, string path, int iter, Action check) =>
        Gen.Int[0, bytes.Length - 1].Sample(length =>
        {
            File.WriteAllBytes(path, bytes[..length]);
            check();
        }, iter: iter, threads: 1);

    /// <summary>Writes <paramref name="bytes"/> with 1–<paramref name="maxFlips"/> random bytes XOR-ed by a random mask, <paramref name="iter"/> times.</summary>
    static void Flips(byte[] bytes, string path, int maxFlips, int iter, Action check) =>
        Gen.Int[0, bytes.Length - 1].Array[1, maxFlips].Select(Gen.Byte[1, 255]).Sample((positions, mask) =>
        {
            var copy = (byte[])bytes.Clone();
            foreach (var i in positions) copy[i] ^= mask;
            File.WriteAllBytes(path, copy);
            check();
        }, iter: iter, threads: 1);

    static async Task<byte[]> WorldShard(string folder)
    {
        var path = Path.Combine(folder, "clean.parquet");
        await new WorldBuilder(new WorldConfig(Pairs: 24, Seed: 6, RowGroupSize: 8)).WriteAsync(path);
        return await File.ReadAllBytesAsync(path);
    }

    /// <summary>Reads a shard fully (with and without skipping) and names the outcome.</summary>
    static string ReadShard(string path, bool skip)
    {
        var read = Task.Run(async () =>
        {
            var shards = await PickapicShards.OpenAsync(path, new PickapicReadOptions(skip));
            var pairs = await shards.ReadPairsAsync().ToListAsync();
            return (pairs, shards.Skipped.Count);
        });
        try
        {
            if (!read.Wait(TimeSpan.FromSeconds(30))) return "hang";
        }
        catch (AggregateException e)
        {
            return e.InnerException is PreferenceDataException p && p.Message.StartsWith(path) ? ClearError : $"other: {e.InnerException}";
        }
        var (pairs, skipped) = read.Result;
        var bad = pairs.FirstOrDefault(p => p.Label0 is not (0 or 0.5 or 1) || p.Label0 + p.Label1 != 1 || string.IsNullOrWhiteSpace(p.Caption)
            || p.Truth is { } t && !new[] { t.Utility0, t.Utility1, t.Image0.Alignment, t.Image1.Detail }.All(double.IsFinite));
        if (bad is not null) return $"other: a bad value was read ({bad.Row})";
        return skipped > 0 ? CountedSkip : Read;
    }

    [Fact]
    public async Task ParquetTruncatedAnywhere_IsAClearError()
    {
        using var temp = TestPaths.NewTempFolder();
        var bytes = await WorldShard(temp.Path);
        var path = Path.Combine(temp.Path, "truncated.parquet");
        var tally = new Tally(output, "parquet truncated");
        Truncations(bytes, path, 60, () => tally.Add(ReadShard(path, skip: true)));
        tally.Check(ClearError);
    }

    [Fact]
    public async Task ParquetWithFlippedBytes_GivesAClearErrorACountedSkipOrValidRows()
    {
        using var temp = TestPaths.NewTempFolder();
        var bytes = await WorldShard(temp.Path);
        var path = Path.Combine(temp.Path, "flipped.parquet");
        var strict = new Tally(output, "parquet bytes flipped, strict");
        var lenient = new Tally(output, "parquet bytes flipped, --skip-bad-rows");
        Flips(bytes, path, 8, 80, () =>
        {
            strict.Add(ReadShard(path, skip: false));
            lenient.Add(ReadShard(path, skip: true));
        });
        strict.Check(ClearError, Read);
        lenient.Check(ClearError, CountedSkip, Read);
    }

    /// <summary>A one-row-group file with the required columns, one of them altered.</summary>
    static async Task WriteVariant(string path, string variant)
    {
        var png = ImageCodecPng;
        var fields = C.Required.ToList<DataField>();
        if (variant == "label as string") fields[3] = new DataField<string>("label_0");
        if (variant == "caption as int") fields[0] = new DataField<int>("caption");
        if (variant == "missing jpg_0") fields.RemoveAt(1);
        if (variant == "renamed label_1") fields[4] = new DataField<double>("Label_1");
        if (variant == "extra column") fields.Add(new DataField<int>("extra"));
        var rows = variant == "zero rows" ? 0 : 3;
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields.ToArray<Field>()), stream);
        foreach (var groupRows in variant == "empty row group" ? new[] { 3, 0, 3 } : [rows])
        {
            using var group = writer.CreateRowGroup();
            foreach (var field in fields)
            {
                if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>)) await group.WriteAsync(field, Enumerable.Repeat(field.Name == "caption" ? "a red circle" : "1", groupRows).ToArray());
                else if (field.ClrType == typeof(byte[]) || field.ClrType == typeof(ReadOnlyMemory<byte>)) await group.WriteAsync(field, Enumerable.Repeat(png, groupRows).ToArray());
                else if (field.ClrType == typeof(int)) await group.WriteAsync(field, new ReadOnlyMemory<int>(new int[groupRows]));
                else await group.WriteAsync(field, new ReadOnlyMemory<double>(Enumerable.Repeat(field.Name.EndsWith('0') ? 1.0 : 0.0, groupRows).ToArray()));
            }
        }
    }

    static readonly byte[] ImageCodecPng = SemiDpo.Imaging.ImageCodec.Encode(SemiDpo.Imaging.RgbImage.Filled(8, 8, 1, 2, 3));

    [Theory]
    [InlineData("label as string", ClearError)]
    [InlineData("caption as int", ClearError)]
    [InlineData("missing jpg_0", ClearError)]
    [InlineData("renamed label_1", ClearError)]
    [InlineData("extra column", Read)]
    [InlineData("zero rows", Read)]
    [InlineData("empty row group", Read)]
    public async Task ParquetWithWrongColumns_IsAClearError_OrReadsWhatIsThere(string variant, string expected)
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "variant.parquet");
        await WriteVariant(path, variant);
        Assert.Equal(expected, ReadShard(path, skip: false));
    }

    static string ReadScores(string path, long[] rows)
    {
        try
        {
            var table = ScoreFiles.Read([path], rows);
            return table.Score0.Concat(table.Score1).SelectMany(c => c).All(float.IsFinite) ? Read : "other: non-finite score read";
        }
        catch (ScoreFileException e) when (e.Message.StartsWith(path)) { return ClearError; }
        catch (Exception e) { return $"other: {e}"; }
    }

    [Fact]
    public void ScoreFiles_Broken_AreClearErrors_AndFlippedOnesNeverYieldNonFiniteScores()
    {
        using var temp = TestPaths.NewTempFolder();
        long[] rows = [0, 1, 2, 3, 4, 5];
        var good = rows.Select(r => ScoreJsonl.Line(r, [("clip_score", r * 0.5f, 1f), ("pick_score", 2f, r * 0.25f)])).ToList();
        var path = Path.Combine(temp.Path, "scores.jsonl");
        var cases = new Dictionary<string, string>
        {
            ["missing row"] = string.Join('\n', good.Where((_, i) => i != 3)),
            ["NaN"] = string.Join('\n', good.Append("""{"row": 5, "clip_score": [NaN, 1]}""").Where((_, i) => i != 5)),
            ["Infinity as text"] = string.Join('\n', good.Take(5).Append("""{"row": 5, "clip_score": ["Infinity", 1], "pick_score": [1, 2]}""")),
            ["wrong arity"] = string.Join('\n', good.Take(5).Append("""{"row": 5, "clip_score": [1, 2, 3], "pick_score": [1, 2]}""")),
            ["duplicate row"] = string.Join('\n', good.Append(good[2])),
            ["truncated last line"] = string.Join('\n', good)[..^7],
            ["row not an integer"] = string.Join('\n', good.Take(5).Append("""{"row": "five", "clip_score": [1, 2], "pick_score": [1, 2]}""")),
        };
        var tally = new Tally(output, "score files broken");
        foreach (var (name, text) in cases)
        {
            File.WriteAllText(path, text);
            var outcome = ReadScores(path, rows);
            Assert.True(outcome == ClearError, $"{name}: {outcome}");
            tally.Add(outcome);
        }
        tally.Check(ClearError);

        var bytes = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', good) + "\n");
        var flips = new Tally(output, "score files bytes flipped");
        Flips(bytes, path, 4, 200, () => flips.Add(ReadScores(path, rows)));
        flips.Check(ClearError, Read);
    }

    [Fact]
    public void Checkpoints_TruncatedOrFlippedAnywhere_AreAlwaysRefused()
    {
        using var temp = TestPaths.NewTempFolder();
        using var model = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
        var path = Path.Combine(temp.Path, "model.ckpt");
        ((IDiffusionModel)model).Save(path, step: 3, runConfigJson: """{"run": 1}""", history: ([0.5, 0.25, 0.125], [0.5, double.NaN, 1]));
        var bytes = File.ReadAllBytes(path);
        var broken = Path.Combine(temp.Path, "broken.ckpt");
        string Load()
        {
            try
            {
                using var copy = new DiffusionModel(new UNetConfig(Channels: 8, TextWidth: 8), CPU);
                Checkpoint.Load(broken, ((IDiffusionModel)copy).Network, null, ((IDiffusionModel)model).ConfigJson("""{"run": 1}"""));
                return "other: loaded";
            }
            catch (CheckpointException e) when (e.Path == broken) { return ClearError; }
            catch (Exception e) { return $"other: {e}"; }
        }
        var truncated = new Tally(output, "checkpoints truncated");
        Truncations(bytes, broken, 40, () => truncated.Add(Load()));
        truncated.Check(ClearError);
        var flipped = new Tally(output, "checkpoints with a flipped byte");
        Flips(bytes, broken, 1, 60, () => flipped.Add(Load()));
        flipped.Check(ClearError);
    }

    [Fact]
    public async Task FilterWhoseCopyingPassMeetsACorruptImagePage_ExitsOne_AndLeavesNoOutputFile()
    {
        using var temp = TestPaths.NewTempFolder();
        var bytes = await WorldShard(temp.Path);
        var shard = Path.Combine(temp.Path, "broken.parquet");
        long offset;
        await using (var reader = await ParquetReader.CreateAsync(Path.Combine(temp.Path, "clean.parquet")))
            offset = reader.Metadata!.RowGroups[1].Columns.Single(c => c.MetaData!.PathInSchema.SequenceEqual(["jpg_0"])).MetaData!.DataPageOffset;
        for (var i = offset; i < offset + 12; i++) bytes[i] ^= 0xFF;      // the page header of row group 1's jpg_0: labels still read
        await File.WriteAllBytesAsync(shard, bytes);
        var scores = Path.Combine(temp.Path, "scores.jsonl");
        await File.WriteAllLinesAsync(scores, Enumerable.Range(0, 24).Select(r => ScoreJsonl.Line(r, [("clip_score", 1f, 0f)])));
        var outFolder = Path.Combine(temp.Path, "out");

        var run = CliProcess.Run(temp.Path, ["filter", "--in", shard, "--scores", scores, "--out", outFolder]);

        Assert.True(run.ExitCode == 1, run.Error + run.Output);
        Assert.StartsWith($"semidpo: {shard}: row group 1", run.Error);
        Assert.Equal([".semidpo.lock"], Directory.GetFiles(outFolder).Select(Path.GetFileName));
    }
}

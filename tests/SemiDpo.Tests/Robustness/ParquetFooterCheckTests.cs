using SemiDpo.Data;
using SemiDpo.World;

namespace SemiDpo.Tests.Robustness;

/// <summary>
/// The footer check passes every sound file and stops the corruption that made Parquet.Net 6.1 loop for minutes (a list
/// count far beyond the footer's bytes), with a clear error naming the file.
/// </summary>
public class ParquetFooterCheckTests
{
    [Fact]
    public async Task SoundFiles_Pass()
    {
        using var temp = TestPaths.NewTempFolder();
        var path = Path.Combine(temp.Path, "world.parquet");
        await new WorldBuilder(new WorldConfig(Pairs: 24, Seed: 6, RowGroupSize: 8)).WriteAsync(path);
        using var stream = File.OpenRead(path);
        Assert.Null(ParquetFooterCheck.Problem(stream));
        Assert.Equal(0, stream.Position);
    }

    [Fact]
    public async Task TheFuzzFoundFooter_IsAClearErrorAtOnce_NotAMinutesLongLoop()
    {
        // world.parquet (24 pairs, seed 6) with six bytes XOR-ed by 248, found by CorruptionFuzzTests: Parquet.Net 6.1
        // alone spends minutes in ThriftCompactProtocolReader.SkipField on it.
        var broken = Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "corrupt", "footer-list-count.parquet");

        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<PreferenceDataException>(async () => await (await PickapicShards.OpenAsync(broken)).ReadPairsAsync().ToListAsync());

        Assert.Contains("footer-list-count.parquet", e.Message);
        Assert.True(e.Message.Contains("corrupt footer metadata ("), e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }
}

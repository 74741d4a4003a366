using SemiDpo.Data;
using SemiDpo.IO;
using SemiDpo.Preferences;
using SemiDpo.Rewards;
using SemiDpo.StableDiffusion;
using SemiDpo.Tests.Cli;
using SemiDpo.Tests.Training;
using SemiDpo.Torch;
using SemiDpo.Training;
using SemiDpo.World;
using static TorchSharp.torch;

namespace SemiDpo.Tests.StableDiffusion;

/// <summary>The latent cache: what it stores is the VAE's encoding, shards split it without changing it, training reads it.</summary>
[Collection(TorchRandomCollection.Name)]
public class LatentCacheTests
{
    public LatentCacheTests() => TorchRuntime.Init();

    /// <summary>A Stage-1 folder of the world's pairs (clean-train / clean-test / noisy) without running the judges.</summary>
    static async Task<ConsensusFiles> StageOne(string folder, int pairs)
    {
        var all = new WorldBuilder(new WorldConfig(Pairs: pairs, Seed: 12)).Pairs(0, pairs);
        var files = new ConsensusFiles(folder);
        var thirds = Enumerable.Range(0, pairs).GroupBy(i => i % 3).Select(g => g.ToArray()).ToArray();
        await files.WriteAsync(all, new ConsensusSplit(["j"], thirds[0], thirds[1], thirds[2], 0, new Dictionary<string, double> { ["j"] = 1 }));
        return files;
    }

    /// <summary>A complete cache of 12 pairs at 32², without mirrored latents.</summary>
    static async Task<ConsensusFiles> CachedAt32(string folder, StableDiffusionModel model)
    {
        var files = await StageOne(folder, 12);
        await LatentCache.EncodeAsync(model, files, 32, Shard.Single, batch: 4);
        await LatentCache.CompleteAsync(model, files, 32);
        return files;
    }

    [Fact]
    public async Task CachedLatents_AreTheVaesEncoding_InTheTrainingSpace_OrientedByTheHumanLabel()
    {
        using var temp = TestPaths.NewTempFolder();
        var files = await StageOne(temp.Path, 24);
        using var model = SdFixture.Load(new StableDiffusionOptions(SampleLatents: false));

        await LatentCache.EncodeAsync(model, files, 32, Shard.Single, batch: 3, chunkPairs: 5);
        await LatentCache.CompleteAsync(model, files, 32, chunkPairs: 5);
        using var cached = (await LatentCache.TryLoadAsync(model, files, 32, sample: false))!;

        var pairs = await PickapicFile.ReadPairsAsync(files.CleanTrain);
        using var pixels = PairSet.From(pairs, model.Tokenizer, 32);
        Assert.True(cached.CleanTrain.IsLatent);
        Assert.Equal(pixels.Captions, cached.CleanTrain.Captions);
        Assert.Equal(pixels.HumanIsTrue, cached.CleanTrain.HumanIsTrue);
        var index = arange(pixels.Count, dtype: ScalarType.Int64);
        var (w, l, _) = model.Batch(pixels, index);
        var (cw, cl, _) = model.Batch(cached.CleanTrain, index);
        SdFixture.AssertClose(w, cw, "cached winners vs encoded now", 2e-3);   // float16 storage
        SdFixture.AssertClose(l, cl, "cached losers vs encoded now", 2e-3);
    }

    [Fact]
    public async Task ThreeShardsAsThreeProcesses_WriteTheFilesOneProcessWrites_AndTrainingReadsThem()
    {
        using var temp = TestPaths.NewTempFolder();
        var one = await StageOne(Path.Combine(temp.Path, "one"), 60);
        var three = await StageOne(Path.Combine(temp.Path, "three"), 60);
        string[] Latents(ConsensusFiles f, params string[] more) =>
            ["latents", "--filter", f.Folder, "--model", SdFixture.TinySd, "--resolution", "32", "--chunk", "4", "--batch", "3", .. more];

        var single = CliProcess.Run(TestPaths.RepoRoot, Latents(one));
        var runs = Enumerable.Range(0, 3).Select(r => CliProcess.Start(TestPaths.RepoRoot, Latents(three, "--rank", $"{r}", "--world-size", "3"))).ToList();
        foreach (var run in runs) { run.WaitForExit(); Assert.True(run.ExitCode == 0, run.StandardError.ReadToEnd()); }

        Assert.True(single.ExitCode == 0, single.Error);
        var names = Directory.GetFiles(LatentCache.Folder(one), "*.safetensors").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(15, names.Count);                                          // ⌈20/4⌉ chunks per set
        Assert.Equal(names, Directory.GetFiles(LatentCache.Folder(three), "*.safetensors").Select(Path.GetFileName).Order().ToList());
        Assert.All(names, n => Assert.Equal(File.ReadAllBytes(Path.Combine(LatentCache.Folder(one), n!)), File.ReadAllBytes(Path.Combine(LatentCache.Folder(three), n!))));
        Assert.True(File.Exists(Path.Combine(LatentCache.Folder(three), LatentCache.IndexFile)));

        var train = CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", three.Folder, "--model", SdFixture.TinySd, "--resolution", "32",
            "--iterations", "1", "--steps0", "2", "--batch", "4", "--micro-batch", "4", "--out", Path.Combine(temp.Path, "train")]);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        Assert.Contains("(cached latents)", train.Output);
    }

    /// <summary>A data-parallel rank passes over the other ranks' micro-batches by drawing their random numbers only.</summary>
    [Theory]
    [InlineData("held images", ScalarType.Float32)]
    [InlineData("held images", ScalarType.BFloat16)]   // the VAE's sample drawn in the frozen parts' dtype
    [InlineData("streamed images", ScalarType.Float32)]
    [InlineData("sampled mirrored latents", ScalarType.Float32)]
    public async Task SkippingAnotherRanksMicroBatch_DrawsWhatReadingItDraws(string pairs, ScalarType frozen)
    {
        using var temp = TestPaths.NewTempFolder();
        var files = await StageOne(temp.Path, 18);
        using var model = SdFixture.Load(new StableDiffusionOptions(FrozenDType: frozen));
        if (pairs == "sampled mirrored latents")
        {
            await LatentCache.EncodeAsync(model, files, 32, Shard.Single, batch: 4, chunkPairs: 4, mirrored: true);
            await LatentCache.CompleteAsync(model, files, 32, chunkPairs: 4, mirrored: true);
        }
        using var data = pairs == "sampled mirrored latents"
            ? (await LatentCache.TryLoadAsync(model, files, 32, sample: true, mirrored: true))!
            : await StageTwoData.LoadAsync(files, model.Tokenizer, resolution: 32, streamImages: pairs == "streamed images");

        SkippedDraws.AssertSkipDrawsWhatInputsDraw(DpoTrainerTests.Interleaved(data.CleanTrain.Count, data.Unlabeled.Count), data.CleanTrain, data.Unlabeled, model, mirror: true, microBatch: 4);
    }

    [Fact]
    public async Task ACacheOfAnotherResolution_IsRefused()
    {
        using var temp = TestPaths.NewTempFolder();
        using var model = SdFixture.Load();
        var files = await CachedAt32(temp.Path, model);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => LatentCache.TryLoadAsync(model, files, 64, sample: true));

        Assert.Contains("at 32² (this run: 64²)", e.Message);
    }

    [Fact]
    public async Task AMirroredCache_HoldsTheMirroredImagesLatents_AndBatchesTakeThemForTheFlippedPairsOnly()
    {
        using var temp = TestPaths.NewTempFolder();
        var files = await StageOne(temp.Path, 18);
        using var model = SdFixture.Load(new StableDiffusionOptions(SampleLatents: false));
        await LatentCache.EncodeAsync(model, files, 32, Shard.Single, batch: 4, chunkPairs: 4, mirrored: true);
        var index = await LatentCache.CompleteAsync(model, files, 32, chunkPairs: 4, mirrored: true);
        using var cached = (await LatentCache.TryLoadAsync(model, files, 32, sample: false, mirrored: true))!;

        using var pixels = PairSet.From(await PickapicFile.ReadPairsAsync(files.CleanTrain), model.Tokenizer, 32);
        var rows = arange(pixels.Count, dtype: ScalarType.Int64);
        var flips = Enumerable.Range(0, pixels.Count).Select(i => i % 3 == 0).ToArray();
        var (pw, pl, _) = pixels.Batch(rows, CPU, mirror: flips);
        var (w, l) = (model.ToTrainingSpace(pw, null), model.ToTrainingSpace(pl, null));   // the flipped images, encoded now
        var (cw, cl, _) = cached.CleanTrain.Batch(rows, CPU, mirror: flips);

        Assert.True(index.Mirrored && cached.CleanTrain.CanMirror);
        SdFixture.AssertClose(w, cw, "winners, some mirrored, cached vs encoded now", 2e-3);
        SdFixture.AssertClose(l, cl, "losers, some mirrored, cached vs encoded now", 2e-3);
        var (plain, _, _) = cached.CleanTrain.Batch(rows, CPU);
        Assert.False(cw[0].equal(plain[0]).all().item<bool>(), "a flipped pair takes the mirrored images' latents");
        Assert.True(cw[1].equal(plain[1]).all().item<bool>(), "an unflipped pair keeps its own");
    }

    [Fact]
    public async Task FlipsOnACacheWithoutMirroredLatents_AreRefused_AndSoIsAddingMirroredChunksToIt()
    {
        using var temp = TestPaths.NewTempFolder();
        using var model = SdFixture.Load();
        var files = await CachedAt32(temp.Path, model);
        using var plain = (await LatentCache.TryLoadAsync(model, files, 32, sample: true))!;

        var refused = Assert.Throws<TrainingException>(() => new DpoTrainConfig(HorizontalFlip: true).CheckFlips("Iter0", plain.CleanTrain));
        Assert.StartsWith("Iter0: horizontal flips mirror images", refused.Message);
        new DpoTrainConfig(HorizontalFlip: false).CheckFlips("Iter0", plain.CleanTrain);
        Assert.Null(await LatentCache.TryLoadAsync(model, files, 32, sample: true, mirrored: true));   // train --hflip then reads the images
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => LatentCache.EncodeAsync(model, files, 32, Shard.Single, batch: 4, mirrored: true));
        Assert.Contains("holds no mirrored latents (encoded without --hflip)", e.Message);
    }

    [Fact]
    public async Task TrainWithFlips_ReadsACacheThatLatentsHflipWrote_EvenAfterAPlainRerun()
    {
        using var temp = TestPaths.NewTempFolder();
        var files = await StageOne(Path.Combine(temp.Path, "filter"), 24);

        var latents = CliProcess.Run(TestPaths.RepoRoot, ["latents", "--filter", files.Folder, "--model", SdFixture.TinySd, "--resolution", "32", "--hflip"]);
        var rerun = CliProcess.Run(TestPaths.RepoRoot, ["latents", "--filter", files.Folder, "--model", SdFixture.TinySd, "--resolution", "32"]);   // nothing to encode
        var train = CliProcess.Run(TestPaths.RepoRoot, ["train", "--filter", files.Folder, "--model", SdFixture.TinySd, "--resolution", "32", "--hflip",
            "--iterations", "1", "--steps0", "2", "--batch", "4", "--micro-batch", "4", "--out", Path.Combine(temp.Path, "train")]);

        Assert.True(latents.ExitCode == 0, latents.Error);
        Assert.True(rerun.ExitCode == 0, rerun.Error);
        Assert.True(train.ExitCode == 0, train.Error + train.Output);
        Assert.Contains("(cached latents, mirrored ones included)", train.Output);
    }
}

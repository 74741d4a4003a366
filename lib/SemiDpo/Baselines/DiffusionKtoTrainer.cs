using System.Text.Json;
using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Preferences;
using SemiDpo.Torch;
using SemiDpo.Training;
using static TorchSharp.torch;

namespace SemiDpo.Baselines;

/// <summary>
/// Diffusion-KTO on its official data path (jacklishufan/diffusion-kto, train_kto_sd_v1.5.py): single images
/// (<see cref="KtoImages"/>: desirable when they ever won), drawn with replacement with a share
/// <paramref name="positiveRatio"/> of desirable ones (the authors' example run: 0.8), each with its own uniform t and
/// its own ε, and <see cref="DiffusionKtoLoss.ImageLoss"/> over each forward's images. A step sees 2 × the config's
/// batch images (micro-batches of 2 × its micro-batch), the forwards of a Diffusion-DPO step of that many pairs, so
/// the budget compared is the same. Same optimizer step, warm-up, clipping, flips, own generator and resumable
/// checkpoints as <see cref="DpoTrainer"/>; the accuracy logged is the share of images on their label's side (ties ½).
/// </summary>
public sealed class DiffusionKtoTrainer(DpoTrainConfig config, DiffusionKtoLoss loss, double positiveRatio = DiffusionKtoTrainer.OfficialPositiveRatio)
{
    /// <summary>The authors' example run (exps/example.sh: <c>--positive_ratio 0.8</c>; the script's own default is 0.5).</summary>
    public const double OfficialPositiveRatio = 0.8;

    public TrainingLog Train(string stage, IDiffusionModel policy, IDiffusionModel reference, IReadOnlyList<PairSet> sets, string? checkpoint,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        config.Validate();
        if (positiveRatio is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(positiveRatio), positiveRatio, "The positive ratio must be in [0, 1].");
        var images = KtoImages.From(sets);
        if (images.Images.Count == 0) throw new TrainingException($"{stage}: no images to train on.");
        if (sets.Select(s => s.IsLatent).Distinct().Count() > 1) throw new ArgumentException("The sets must all hold images or all cached latents.", nameof(sets));
        config.CheckFlips(stage, [.. sets]);
        var runJson = JsonSerializer.Serialize(new
        {
            Stage = stage, Loss = loss.Name, Data = "single images (desirable: ever won)", PositiveRatio = positiveRatio, Config = config,
            images.DesirableCount, images.UndesirableCount,
        });
        using var run = new TrainingStage(stage, config, policy, runJson, checkpoint);
        reference.Network.eval();
        policy.Network.train();
        var (batch, micro) = (2 * config.BatchSize, 2 * config.MicroBatch);
        while (run.Next(cancellation))
        {
            var rng = new Random(StableHash.Mix(config.Seed ^ 0x47A0, run.Step));
            var drawn = images.Draw(batch, positiveRatio, rng);
            double stepLoss = 0, stepAccuracy = 0;
            var denoising = new DpoTrainer.DenoisingMeans();
            for (var start = 0; start < batch; start += micro)
            {
                using var scope = NewDisposeScope();
                var members = drawn[start..Math.Min(batch, start + micro)].Select(i => images.Images[i]).ToArray();
                var (x, tokens, desirable) = Gather(members, sets, policy, rng, run.Generator);
                var t = tensor(members.Select(_ => (long)rng.Next(policy.Schedule.Timesteps)).ToArray(), device: policy.Device);
                var noise = Noise.Like(x, run.Generator);
                var xt = policy.Schedule.QSample(x, noise, t);
                var policyError = DiffusionDpoLoss.Errors(policy, xt, t, tokens, noise);
                Tensor referenceError;
                using (no_grad()) referenceError = DiffusionDpoLoss.Errors(reference, xt, t, tokens, noise);
                var (value, signed) = loss.ImageLoss(policyError, referenceError, desirable);
                var lossValue = value.item<float>();
                if (!float.IsFinite(lossValue)) throw run.NonFinite(lossValue, $" on {members.Length} images");
                var share = (double)members.Length / batch;
                (value * share).backward();
                stepLoss += lossValue * share;
                var output = new LossOutput(signed, value) { PolicyErrors = policyError, ReferenceErrors = referenceError };
                stepAccuracy += output.Accuracy() * share;   // ties (at the start, g = 0) count ½, as for pairs
                denoising.Add(output, share);
            }
            run.EndStep(stepLoss, stepAccuracy, progress, denoising.Model, denoising.Reference);
        }
        return run.Log;
    }

    /// <summary>
    /// The drawn images x_0 in the training space (only the drawn side of each pair goes through the VAE), their tokens
    /// and labels; with flips, each image mirrored with probability ½ as the official preprocessing does.
    /// </summary>
    (Tensor X, Tensor Tokens, Tensor Desirable) Gather(KtoImage[] members, IReadOnlyList<PairSet> sets, IDiffusionModel policy, Random rng, Generator generator)
    {
        var mirrored = members.Select(_ => config.HorizontalFlip && rng.NextDouble() < 0.5).ToArray();
        var parts = new List<(Tensor X, Tensor Tokens)>();
        var order = new List<int>();
        for (var s = 0; s < sets.Count; s++)
        {
            var of = Enumerable.Range(0, members.Length).Where(i => members[i].Set == s).ToArray();
            if (of.Length == 0) continue;
            var (w, l, tokens) = sets[s].Batch(tensor(of.Select(i => (long)members[i].Pair).ToArray()), policy.Device, generator,
                config.HorizontalFlip ? of.Select(i => mirrored[i]).ToArray() : null);
            var side = tensor(of.Select(i => members[i].Winner).ToArray(), device: policy.Device).view(-1, 1, 1, 1);
            var x = where(side, w, l);
            parts.Add((sets[s].IsLatent ? x : policy.ToTrainingSpace(x, generator), tokens));
            order.AddRange(of);
        }
        var desirable = tensor(order.Select(i => members[i].Desirable).ToArray(), device: policy.Device);
        return (cat(parts.Select(p => p.X).ToList(), 0), cat(parts.Select(p => p.Tokens).ToList(), 0), desirable);
    }
}

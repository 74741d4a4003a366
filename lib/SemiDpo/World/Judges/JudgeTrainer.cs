using SemiDpo.Data;
using SemiDpo.Imaging;
using SemiDpo.Torch;
using SemiDpo.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Judges;

/// <summary>Progress of a judge's training: epoch done and its mean loss.</summary>
public sealed record JudgeTrainingProgress(string Judge, int Epoch, int Epochs, double Loss);

/// <summary>Training settings of a learned judge (defaults sized for this 2-core machine: well under a minute each).</summary>
public sealed record JudgeTrainingConfig(int Epochs = 6, int BatchSize = 128, double LearningRate = 2e-3, double WeightDecay = 1e-4, int Seed = 0);

/// <summary>Trains the world's learned judges.</summary>
public static class JudgeTrainer
{
    /// <summary>
    /// Bradley-Terry training on human-labelled pairs (ties dropped): minimise −log σ(r(c, x_w) − r(c, x_l)).
    /// </summary>
    public static void TrainPreference(PreferenceRewardNet net, IReadOnlyList<PreferencePair> pairs, JudgeTrainingConfig config,
        Device device, string name, IProgress<JudgeTrainingProgress>? progress = null)
    {
        var labelled = pairs.Where(p => !p.IsTie).ToList();
        if (labelled.Count == 0) throw new ArgumentException("No non-tie pairs to train a preference judge on.", nameof(pairs));
        var winners = ImageTensors.FromImages(labelled.Select(p => p.HumanPreference > 0 ? p.Image0 : p.Image1).ToList());
        var losers = ImageTensors.FromImages(labelled.Select(p => p.HumanPreference > 0 ? p.Image1 : p.Image0).ToList());
        var captions = CaptionFeatures.Batch(labelled.Select(p => p.Caption).ToList(), CPU);
        Loop(net, labelled.Count, config, device, name, progress, batch =>
        {
            var (w, l, c) = (winners[batch].to(device), losers[batch].to(device), captions[batch].to(device));
            var rewards = net.forward(cat([w, l]), cat([c, c]));
            var margin = rewards[..(int)batch.shape[0]] - rewards[(int)batch.shape[0]..];
            return -functional.logsigmoid(margin).mean();
        });
        winners.Dispose(); losers.Dispose(); captions.Dispose();
    }

    /// <summary>Contrastive (InfoNCE, both directions, temperature 0.1) training on images and the captions of what they show.</summary>
    public static void TrainContrastive(ContrastiveNet net, IReadOnlyList<RgbImage> images, IReadOnlyList<string> captions,
        JudgeTrainingConfig config, Device device, string name, IProgress<JudgeTrainingProgress>? progress = null)
    {
        using var all = ImageTensors.FromImages(images);
        using var text = CaptionFeatures.Batch(captions, CPU);
        Loop(net, images.Count, config, device, name, progress, batch =>
        {
            var logits = net.EmbedImages(all[batch].to(device)).matmul(net.EmbedCaptions(text[batch].to(device)).T) / 0.1;
            var targets = arange(batch.shape[0], device: device);
            return (functional.cross_entropy(logits, targets) + functional.cross_entropy(logits.T, targets)) / 2;
        });
    }

    /// <summary>
    /// Images of the world paired with the captions of what they actually show (the generators' mistakes included).
    /// Neither the asked prompt nor the shown caption is ever a held-out evaluation prompt
    /// (<see cref="PromptGrammar.HeldOut"/>): a draw that would show one is drawn again.
    /// </summary>
    public static (List<RgbImage> Images, List<string> Captions) CaptionedImages(int count, int seed)
    {
        var images = new RgbImage[count];
        var captions = new string[count];
        Parallel.For(0, count, i =>
        {
            var rng = new Random(StableHash.Mix(seed, i));
            SceneSpec asked;
            RenderFlaws flaws;
            do
            {
                asked = PromptGrammar.Train[rng.Next(PromptGrammar.Train.Count)];
                var generator = GeneratorProfile.Defaults[rng.Next(GeneratorProfile.Defaults.Count)];
                flaws = generator.SampleFlaws(asked, rng);
            } while (PromptGrammar.IsHeldOut(flaws.Apply(asked).Caption));
            images[i] = Renderer.Render(asked, flaws, 32, rng);
            captions[i] = flaws.Apply(asked).Caption;
        });
        return (images.ToList(), captions.ToList());
    }

    static void Loop(TorchSharp.torch.nn.Module net, int count, JudgeTrainingConfig config, Device device, string name,
        IProgress<JudgeTrainingProgress>? progress, Func<Tensor, Tensor> loss)
    {
        Seeding.Everything(config.Seed);
        net.to(device).train();
        using var optimizer = new AdamW(net.parameters(), config.LearningRate, weightDecay: config.WeightDecay);
        var generator = new Random(config.Seed);
        for (var epoch = 1; epoch <= config.Epochs; epoch++)
        {
            var order = Enumerable.Range(0, count).OrderBy(_ => generator.Next()).ToArray();
            double total = 0;
            var batches = 0;
            for (var start = 0; start + 2 <= count; start += config.BatchSize)
            {
                using var scope = NewDisposeScope();
                var batch = tensor(order.AsSpan(start, Math.Min(config.BatchSize, count - start)).ToArray().Select(i => (long)i).ToArray());
                optimizer.zero_grad();
                var value = loss(batch);
                value.backward();
                optimizer.step();
                total += value.item<float>();
                batches++;
            }
            progress?.Report(new JudgeTrainingProgress(name, epoch, config.Epochs, total / batches));
        }
        net.eval();
    }
}

using SemiDpo.Diffusion;
using static TorchSharp.torch;

namespace SemiDpo.Losses;

/// <summary>
/// One training objective on (winner, loser) batches: Diffusion-DPO and the baselines it is compared with (SFT on
/// winners, Diffusion-KTO, conservative DPO) share it, so <see cref="Training.DpoTrainer"/> trains each with the same data
/// path, timesteps, noise, optimizer and step budget.
/// </summary>
public interface IPreferenceLoss
{
    /// <summary>Name in tables and checkpoints (a checkpoint of another loss is not resumed).</summary>
    string Name { get; }

    /// <summary>
    /// Loss for a batch: winners and losers x_0 (B, C, H, W) in the model's training space (pixels in −1…1 for the world,
    /// scaled VAE latents for SD), tokens (B, L), t (B), noise like x_0 shared by the
    /// two images of a pair. The reference runs without grad.
    /// </summary>
    LossOutput Compute(IDiffusionModel policy, IDiffusionModel reference, Tensor winners, Tensor losers, Tensor tokens, Tensor t, Tensor noise);
}

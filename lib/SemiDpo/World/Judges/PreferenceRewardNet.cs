using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Judges;

/// <summary>
/// r(c, x): a learned scalar reward of an image for a caption, trained as a Bradley-Terry model on human preference
/// pairs (−log σ(r_w − r_l)), the way HPS, ImageReward and PickScore are trained on human choices.
/// </summary>
public sealed class PreferenceRewardNet : Module<Tensor, Tensor, Tensor>
{
    readonly ImageEncoder image;
    readonly Linear text;
    readonly Sequential head;

    public PreferenceRewardNet(int width, int features) : base(nameof(PreferenceRewardNet))
    {
        image = new ImageEncoder(width, features);
        text = Linear(CaptionFeatures.Size, features);
        head = Sequential(Linear(2 * features, features), SiLU(), Linear(features, 1));
        RegisterComponents();
    }

    /// <summary>Rewards (N) for images (N, 3, H, W) and caption features (N, F).</summary>
    public override Tensor forward(Tensor images, Tensor captions) =>
        head.forward(cat([image.forward(images), text.forward(captions)], 1)).squeeze(1);
}

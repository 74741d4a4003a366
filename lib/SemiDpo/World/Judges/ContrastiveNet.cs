using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Judges;

/// <summary>
/// A tiny CLIP: image and caption encoders into one normalised embedding space, trained contrastively (InfoNCE) on
/// images paired with the caption of what they actually show. Its score is the cosine similarity.
/// </summary>
public sealed class ContrastiveNet : Module<Tensor, Tensor, Tensor>
{
    readonly ImageEncoder image;
    readonly Linear imageProjection;
    readonly Sequential text;

    public ContrastiveNet(int width, int features, int embedding) : base(nameof(ContrastiveNet))
    {
        image = new ImageEncoder(width, features);
        imageProjection = Linear(features, embedding);
        text = Sequential(Linear(CaptionFeatures.Size, features), SiLU(), Linear(features, embedding));
        RegisterComponents();
    }

    public Tensor EmbedImages(Tensor images) => functional.normalize(imageProjection.forward(image.forward(images)), dim: 1);

    public Tensor EmbedCaptions(Tensor captions) => functional.normalize(text.forward(captions), dim: 1);

    /// <summary>Cosine similarity of each image with its own caption (N).</summary>
    public override Tensor forward(Tensor images, Tensor captions) => (EmbedImages(images) * EmbedCaptions(captions)).sum(1);
}

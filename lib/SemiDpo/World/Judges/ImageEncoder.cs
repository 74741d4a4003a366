using SemiDpo.Torch;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SemiDpo.World.Judges;

/// <summary>Small CNN for 32×32 images: four 3×3 convolutions (three of stride 2), SiLU, global average pool → features.</summary>
public sealed class ImageEncoder : Module<Tensor, Tensor>
{
    readonly Sequential layers;

    public ImageEncoder(int width, int features) : base(nameof(ImageEncoder))
    {
        layers = Sequential(
            new Conv2dLayer(3, width, 3, padding: 1), SiLU(),
            new Conv2dLayer(width, 2 * width, 3, stride: 2, padding: 1), SiLU(),
            new Conv2dLayer(2 * width, 4 * width, 3, stride: 2, padding: 1), SiLU(),
            new Conv2dLayer(4 * width, features, 3, stride: 2, padding: 1), SiLU(),
            AdaptiveAvgPool2d(1), Flatten());
        RegisterComponents();
    }

    public override Tensor forward(Tensor images) => layers.forward(images);
}

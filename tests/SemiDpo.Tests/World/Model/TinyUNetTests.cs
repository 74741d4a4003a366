using SemiDpo.Torch;
using SemiDpo.World;
using SemiDpo.World.Model;
using static TorchSharp.torch;

namespace SemiDpo.Tests.World.Model;

[Collection(TorchRandomCollection.Name)]
public class TinyUNetTests
{
    readonly CaptionTokenizer tokenizer = new();

    public TinyUNetTests() => TorchRuntime.Init();

    Tensor Tokens(params string[] captions) =>
        tensor(captions.SelectMany(tokenizer.Encode).ToArray(), [captions.Length, CaptionTokenizer.MaxLength]);

    [Fact]
    public void Forward_PredictsNoiseShapedLikeTheInput_WithAFewMillionParametersAtMost()
    {
        Seeding.Everything(0);
        var unet = new TinyUNet(new UNetConfig(), tokenizer.VocabularySize);
        var x = randn(2, 3, 32, 32);

        var eps = unet.forward(x, tensor(new long[] { 10, 900 }), Tokens("two red circles on the left on a blue background", ""));

        Assert.Equal(x.shape, eps.shape);
        var parameters = unet.parameters().Sum(p => p.numel());
        Assert.InRange(parameters, 500_000, 5_000_000);
    }

    [Fact]
    public void Caption_ChangesThePrediction()
    {
        Seeding.Everything(0);
        var unet = new TinyUNet(new UNetConfig(Channels: 16, TextWidth: 16), tokenizer.VocabularySize);
        var x = randn(1, 3, 32, 32).expand(2, -1, -1, -1);

        var eps = unet.forward(x, tensor(new long[] { 300, 300 }), Tokens("one red circle in the center on a white background", "three green squares on the right on a black background"));

        Assert.False(allclose(eps[0], eps[1]));
    }

    [Fact]
    public void Tokenizer_KnowsEveryWordOfTheGrammar_AndTheNullCaptionIsAllPadding()
    {
        foreach (var spec in PromptGrammar.All.Where((_, i) => i % 7 == 0))
            Assert.DoesNotContain(CaptionTokenizer.Unknown, tokenizer.Encode(spec.Caption));
        Assert.All(tokenizer.Encode(""), id => Assert.Equal(CaptionTokenizer.Padding, id));
        Assert.Contains(CaptionTokenizer.Unknown, tokenizer.Encode("an astronaut riding a horse"));
    }
}

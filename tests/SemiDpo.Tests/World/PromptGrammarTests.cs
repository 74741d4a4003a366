using SemiDpo.World;

namespace SemiDpo.Tests.World;

public class PromptGrammarTests
{
    [Fact]
    public void Grammar_HasSeveralThousandDistinctCaptions()
    {
        Assert.True(PromptGrammar.All.Count >= 3000, $"{PromptGrammar.All.Count} prompts");
        Assert.Equal(PromptGrammar.All.Count, PromptGrammar.All.Select(s => s.Caption).Distinct().Count());
    }

    [Fact]
    public void HeldOutSplit_IsAboutATenth_AndDisjointFromTraining()
    {
        var share = (double)PromptGrammar.HeldOut.Count / PromptGrammar.All.Count;
        Assert.InRange(share, 0.07, 0.13);
        Assert.Empty(PromptGrammar.Train.Select(s => s.Caption).Intersect(PromptGrammar.HeldOut.Select(s => s.Caption)));
        Assert.Equal(PromptGrammar.All.Count, PromptGrammar.Train.Count + PromptGrammar.HeldOut.Count);
    }

    [Fact]
    public void EveryCaption_ParsesBackToItsScene()
    {
        foreach (var spec in PromptGrammar.All)
            Assert.Equal(spec, SceneSpec.Parse(spec.Caption));
    }

    [Fact]
    public void Parse_RejectsCaptionsOutsideTheGrammar_NamingTheCaption()
    {
        var e = Assert.Throws<FormatException>(() => SceneSpec.Parse("a photo of an astronaut riding a horse"));
        Assert.Contains("astronaut", e.Message);
    }

    [Fact]
    public void Caption_ReadsLikeAPrompt() =>
        Assert.Equal("two red circles on the left on a blue background",
            new SceneSpec(Shape.Circle, Vocabulary.ObjectColor("red"), 2, Placement.Left, Vocabulary.BackgroundColor("blue")).Caption);
}

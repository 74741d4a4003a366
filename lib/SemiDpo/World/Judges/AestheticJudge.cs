using SemiDpo.Imaging;
using SemiDpo.Rewards;

namespace SemiDpo.World.Judges;

/// <summary>
/// MiniAesthetic, the world's LAION-Aesthetic stand-in: a fixed pixel heuristic that ignores the prompt — RMS
/// luminance contrast plus mean saturation, less a penalty for pixel-level roughness. It is not the oracle: it knows
/// nothing of composition and confuses busy noise with contrast, as a real aesthetic predictor has its own blind spots.
/// </summary>
public sealed class AestheticJudge : IRewardModel
{
    public string Name => "MiniAesthetic";
    public string Role => "aesthetics";

    public float[] Score(IReadOnlyList<string> prompts, IReadOnlyList<RgbImage> images) =>
        images.Select(ScoreImage).ToArray();

    static float ScoreImage(RgbImage image)
    {
        var n = image.Width * image.Height;
        var p = image.Pixels;
        double sumL = 0, sumL2 = 0, saturation = 0, roughness = 0;
        for (var i = 0; i < n; i++)
        {
            var (r, g, b) = (p[3 * i] / 255.0, p[3 * i + 1] / 255.0, p[3 * i + 2] / 255.0);
            var l = 0.299 * r + 0.587 * g + 0.114 * b;
            sumL += l;
            sumL2 += l * l;
            var max = Math.Max(r, Math.Max(g, b));
            var min = Math.Min(r, Math.Min(g, b));
            saturation += max < 1e-6 ? 0 : (max - min) / max;
            if (i % image.Width > 0)
            {
                var j = i - 1;
                var lj = 0.299 * p[3 * j] / 255.0 + 0.587 * p[3 * j + 1] / 255.0 + 0.114 * p[3 * j + 2] / 255.0;
                roughness += Math.Abs(l - lj);
            }
        }
        var mean = sumL / n;
        var contrast = Math.Sqrt(Math.Max(0, sumL2 / n - mean * mean));
        return (float)(contrast + 0.5 * saturation / n - 0.5 * roughness / n);
    }
}

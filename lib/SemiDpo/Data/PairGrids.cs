using System.Globalization;
using SemiDpo.Imaging;

namespace SemiDpo.Data;

/// <summary>Preference pairs as image grids: image 0 and image 1 side by side, captioned with label and (if known) truth.</summary>
public static class PairGrids
{
    /// <summary>
    /// Two cells per pair: "✓"/"✗"/"=" marks the human label, then the oracle's alignment/aesthetics/detail and utility;
    /// <paramref name="notes"/> (one per pair, e.g. the judges' votes) go under image B.
    /// </summary>
    public static ImageGrid Of(IEnumerable<PreferencePair> pairs, int pairsPerRow = 3, IReadOnlyList<string>? notes = null)
    {
        var images = new List<RgbImage>();
        var captions = new List<string>();
        foreach (var (pair, index) in pairs.Select((p, i) => (p, i)))
        {
            images.Add(pair.Image0);
            images.Add(pair.Image1);
            captions.Add(Cell(pair, 0));
            captions.Add(notes is null ? Cell(pair, 1) : $"{Cell(pair, 1)} | {notes[index]}");
        }
        return new ImageGrid(images, captions, Columns: 2 * pairsPerRow);
    }

    static string Cell(PreferencePair pair, int side)
    {
        var label = side == 0 ? pair.Label0 : pair.Label1;
        var mark = pair.IsTie ? "=" : label == 1 ? "✓ human" : "✗";
        var head = side == 0 ? $"{pair.Caption} | A {mark}" : $"B {mark}";
        if (pair.Truth is not { } truth) return head;
        var (scores, utility) = side == 0 ? (truth.Image0, truth.Utility0) : (truth.Image1, truth.Utility1);
        var best = truth.TruePreference == (side == 0 ? 1 : -1) ? " (truly better)" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{head} · al {scores.Alignment:F2} ae {scores.Aesthetics:F2} de {scores.Detail:F2} · u {utility:F2}{best}");
    }
}

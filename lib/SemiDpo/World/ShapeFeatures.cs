namespace SemiDpo.World;

/// <summary>
/// Shape recognition for the oracle: a region's fill of its bounding box, its top/bottom mass asymmetry and whether
/// its centre is hollow, compared with each shape's prototype; returns the softmax probability of the asked shape.
/// </summary>
internal static class ShapeFeatures
{
    // (fill of bounding box, bottom-minus-top mass share, hollow centre)
    static readonly Dictionary<Shape, (double Fill, double Asym, double Hollow)> Prototypes = new()
    {
        [Shape.Circle] = (0.78, 0.0, 0),
        [Shape.Square] = (0.97, 0.0, 0),
        [Shape.Triangle] = (0.52, 0.3, 0),
        [Shape.Diamond] = (0.52, 0.0, 0),
        [Shape.Ring] = (0.55, 0.0, 1),
    };

    public static double Probability(PixelView view, List<int> region, Shape asked)
    {
        var f = Measure(view, region);
        double total = 0, target = 0;
        foreach (var (shape, p) in Prototypes)
        {
            var e = Math.Exp(-0.5 * (Sq((f.Fill - p.Fill) / 0.1) + Sq((f.Asym - p.Asym) / 0.12) + Sq((f.Hollow - p.Hollow) / 0.4)));
            total += e;
            if (shape == asked) target = e;
        }
        return total < 1e-12 ? 0 : target / total;
    }

    static (double Fill, double Asym, double Hollow) Measure(PixelView view, List<int> region)
    {
        var w = view.Width;
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = int.MinValue, y1 = int.MinValue;
        foreach (var i in region)
        {
            x0 = Math.Min(x0, i % w); x1 = Math.Max(x1, i % w);
            y0 = Math.Min(y0, i / w); y1 = Math.Max(y1, i / w);
        }
        var fill = region.Count / (double)((x1 - x0 + 1) * (y1 - y0 + 1));
        var midY = (y0 + y1) / 2.0;
        var bottom = region.Count(i => i / w > midY);
        var top = region.Count(i => i / w < midY);
        var asym = (bottom - top) / (double)region.Count;
        var members = region.ToHashSet();
        var (cx, cy) = ((x0 + x1) / 2, (y0 + y1) / 2);
        var hollow = members.Contains(cy * w + cx) ? 0 : 1;
        return (fill, asym, hollow);
    }

    static double Sq(double x) => x * x;
}

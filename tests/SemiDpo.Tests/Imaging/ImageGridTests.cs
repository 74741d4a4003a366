using SemiDpo.Imaging;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.Tests.Imaging;

public class ImageGridTests
{
    public ImageGridTests() => TorchRuntime.Init();

    [Fact]
    public void FromTensor_MapsMinusOneToOneOntoBytes()
    {
        var images = tensor(new float[] { -1, 0, 1, 1, -1, 0, 0, 1, -1 }, [1, 3, 1, 3]);

        var grid = ImageGrid.FromTensor(images);

        // pixel (0,0) = channels (-1, 1, 0) → (0, 255, 128); interleaved RGB per pixel.
        Assert.Equal(new byte[] { 0, 255, 128, 128, 0, 255, 255, 128, 0 }, grid.Images[0].Pixels);
    }

    [Fact]
    public void FromTensor_ReadsNonNegativeFloatsAsZeroToOne_AndGreyAsThreeChannels()
    {
        var grid = ImageGrid.FromTensor(full(2, 1, 2, 2, 0.5f));

        Assert.Equal(2, grid.Images.Count);
        Assert.All(grid.Images[1].Pixels, p => Assert.Equal(128, p));
    }

    [Fact]
    public void FromTensor_RejectsTensorsThatAreNotImages()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.FromTensor(zeros(4, 5)));
        Assert.Contains("(4, 5)", e.Message);
    }

    [Fact]
    public void Tile_PlacesImagesRowByRowWithPadding()
    {
        var red = RgbImage.Filled(2, 2, 255, 0, 0);
        var blue = RgbImage.Filled(2, 2, 0, 0, 255);
        var grid = new ImageGrid([red, blue, red], Columns: 2);

        var tiled = grid.Tile(padding: 1);

        Assert.Equal((7, 7), (tiled.Width, tiled.Height));
        byte[] Pixel(int x, int y) => tiled.Pixels.AsSpan((y * tiled.Width + x) * 3, 3).ToArray();
        Assert.Equal(new byte[] { 255, 255, 255 }, Pixel(0, 0));
        Assert.Equal(new byte[] { 255, 0, 0 }, Pixel(1, 1));
        Assert.Equal(new byte[] { 0, 0, 255 }, Pixel(4, 1));
        Assert.Equal(new byte[] { 255, 0, 0 }, Pixel(2, 5));
        Assert.Equal(new byte[] { 255, 255, 255 }, Pixel(5, 5));
    }
}

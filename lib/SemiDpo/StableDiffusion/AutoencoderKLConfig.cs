using SemiDpo.Pretrained;
namespace SemiDpo.StableDiffusion;

/// <summary>
/// The architecture of a diffusers <c>AutoencoderKL</c> (DownEncoderBlock2D / UpDecoderBlock2D blocks), read from its
/// config.json with diffusers' defaults; <see cref="ScalingFactor"/> maps latents to unit variance (0.18215 for SD1.5).
/// </summary>
public sealed record AutoencoderKLConfig(
    int InChannels, int OutChannels, int[] BlockOutChannels, int LayersPerBlock, int LatentChannels, int NormNumGroups,
    double ScalingFactor, bool MidBlockAddAttention, string Json)
{
    /// <summary>Pixels per latent along each side: 2^(blocks − 1) (8 for SD1.5).</summary>
    public int DownscaleFactor => 1 << (BlockOutChannels.Length - 1);

    public static AutoencoderKLConfig Read(string path) => From(ConfigFile.Read(path));

    public static AutoencoderKLConfig From(ConfigFile c)
    {
        var blockOut = c.Ints("block_out_channels", [64]);
        var down = c.Strings("down_block_types", ["DownEncoderBlock2D"]);
        var up = c.Strings("up_block_types", ["UpDecoderBlock2D"]);
        if (down.Length != blockOut.Length || up.Length != blockOut.Length || down.Any(t => t != "DownEncoderBlock2D") || up.Any(t => t != "UpDecoderBlock2D"))
            throw new ModelFormatException($"{c.Path}: expected {blockOut.Length} DownEncoderBlock2D and UpDecoderBlock2D blocks, got [{string.Join(", ", down)}] / [{string.Join(", ", up)}].");
        c.Require("act_fn", "silu", "SiLU only");
        c.Require("shift_factor", null, "no latent shift (SD3/Flux VAEs)");
        c.Require("latents_mean", null, "no per-channel latent statistics (SDXL-style)");
        c.Require("use_quant_conv", true, "quant_conv present");
        c.Require("use_post_quant_conv", true, "post_quant_conv present");
        return new AutoencoderKLConfig(
            InChannels: c.Int("in_channels", 3), OutChannels: c.Int("out_channels", 3), BlockOutChannels: blockOut,
            LayersPerBlock: c.Int("layers_per_block", 1), LatentChannels: c.Int("latent_channels", 4),
            NormNumGroups: c.Int("norm_num_groups", 32), ScalingFactor: c.Double("scaling_factor", 0.18215),
            MidBlockAddAttention: c.Bool("mid_block_add_attention", true), Json: c.Json);
    }
}

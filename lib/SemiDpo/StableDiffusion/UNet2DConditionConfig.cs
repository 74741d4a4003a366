using SemiDpo.Pretrained;
namespace SemiDpo.StableDiffusion;

/// <summary>
/// The architecture of a diffusers <c>UNet2DConditionModel</c>, read from its config.json with diffusers' defaults
/// (v0.25). Block types: CrossAttnDownBlock2D / DownBlock2D, UNetMidBlock2DCrossAttn, UpBlock2D / CrossAttnUpBlock2D.
/// <para>
/// <see cref="Heads"/>: diffusers' <c>attention_head_dim</c> is, for historical reasons, the number of heads when
/// <c>num_attention_heads</c> is absent (SD1.5: 8 heads; SD2: 5, 10, 20, 20) — read the same way here.
/// </para>
/// </summary>
public sealed record UNet2DConditionConfig(
    int InChannels, int OutChannels, int[] BlockOutChannels, string[] DownBlockTypes, string[] UpBlockTypes,
    int[] LayersPerBlock, int[] TransformerLayersPerBlock, int[] Heads, int CrossAttentionDim,
    bool UseLinearProjection, bool UpcastAttention, int NormNumGroups, double NormEps,
    bool FlipSinToCos, double FreqShift, int DownsamplePadding, int SampleSize, string Json)
{
    public int TimeEmbeddingDim => 4 * BlockOutChannels[0];
    public int Blocks => BlockOutChannels.Length;

    /// <summary>SD1.5's UNet (runwayml/stable-diffusion-v1-5 unet/config.json).</summary>
    public static UNet2DConditionConfig StableDiffusion15 => From(ConfigFile.Parse("""
        {"_class_name":"UNet2DConditionModel","act_fn":"silu","attention_head_dim":8,"block_out_channels":[320,640,1280,1280],
         "center_input_sample":false,"cross_attention_dim":768,
         "down_block_types":["CrossAttnDownBlock2D","CrossAttnDownBlock2D","CrossAttnDownBlock2D","DownBlock2D"],
         "downsample_padding":1,"flip_sin_to_cos":true,"freq_shift":0,"in_channels":4,"layers_per_block":2,
         "mid_block_scale_factor":1,"norm_eps":1e-05,"norm_num_groups":32,"out_channels":4,"sample_size":64,
         "up_block_types":["UpBlock2D","CrossAttnUpBlock2D","CrossAttnUpBlock2D","CrossAttnUpBlock2D"]}
        """, "SD1.5 unet/config.json"));

    public static UNet2DConditionConfig Read(string path) => From(ConfigFile.Read(path));

    public static UNet2DConditionConfig From(ConfigFile c)
    {
        var blockOut = c.Ints("block_out_channels", [320, 640, 1280, 1280]);
        var n = blockOut.Length;
        var down = c.Strings("down_block_types", ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]);
        var up = c.Strings("up_block_types", ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]);
        if (down.Length != n || up.Length != n)
            throw new ModelFormatException($"{c.Path}: {down.Length} down and {up.Length} up block types for {n} block_out_channels.");
        foreach (var type in down.Where(t => t is not ("CrossAttnDownBlock2D" or "DownBlock2D")))
            throw new ModelFormatException($"{c.Path}: down block type '{type}' is not supported (CrossAttnDownBlock2D, DownBlock2D).");
        foreach (var type in up.Where(t => t is not ("CrossAttnUpBlock2D" or "UpBlock2D")))
            throw new ModelFormatException($"{c.Path}: up block type '{type}' is not supported (CrossAttnUpBlock2D, UpBlock2D).");
        c.Require("mid_block_type", "UNetMidBlock2DCrossAttn", "only UNetMidBlock2DCrossAttn");
        c.Require("num_attention_heads", null, "diffusers v0.25 refuses it too; heads come from attention_head_dim");
        c.Require("act_fn", "silu", "SiLU only");
        c.Require("center_input_sample", false, "not used by SD");
        c.Require("class_embed_type", null, "no class embeddings");
        c.Require("addition_embed_type", null, "no added embeddings (SDXL)");
        c.Require("encoder_hid_dim", null, "no encoder projection");
        c.Require("encoder_hid_dim_type", null, "no encoder projection");
        c.Require("time_embedding_type", "positional", "sinusoidal timestep embedding only");
        c.Require("time_embedding_dim", null, "4 × block_out_channels[0]");
        c.Require("time_embedding_act_fn", null, "none");
        c.Require("timestep_post_act", null, "none");
        c.Require("time_cond_proj_dim", null, "none");
        c.Require("resnet_time_scale_shift", "default", "additive timestep shift");
        c.Require("resnet_skip_time_act", false, "default");
        c.Require("resnet_out_scale_factor", 1, "1");
        c.Require("mid_block_scale_factor", 1, "1");
        c.Require("dual_cross_attention", false, "single cross-attention");
        c.Require("only_cross_attention", false, "self- and cross-attention in every block");
        c.Require("attention_type", "default", "default");
        c.Require("cross_attention_norm", null, "none");
        c.Require("conv_in_kernel", 3, "3×3");
        c.Require("conv_out_kernel", 3, "3×3");
        c.Require("reverse_transformer_layers_per_block", null, "mirrored down blocks");
        c.Require("num_class_embeds", null, "no class embeddings");
        return new UNet2DConditionConfig(
            InChannels: c.Int("in_channels", 4), OutChannels: c.Int("out_channels", 4), BlockOutChannels: blockOut,
            DownBlockTypes: down, UpBlockTypes: up,
            LayersPerBlock: c.PerBlock("layers_per_block", n, 2),
            TransformerLayersPerBlock: c.PerBlock("transformer_layers_per_block", n, 1),
            Heads: c.PerBlock("attention_head_dim", n, 8),
            CrossAttentionDim: c.Int("cross_attention_dim", 1280),
            UseLinearProjection: c.Bool("use_linear_projection", false), UpcastAttention: c.Bool("upcast_attention", false),
            NormNumGroups: c.Int("norm_num_groups", 32), NormEps: c.Double("norm_eps", 1e-5),
            FlipSinToCos: c.Bool("flip_sin_to_cos", true), FreqShift: c.Double("freq_shift", 0),
            DownsamplePadding: c.Int("downsample_padding", 1), SampleSize: c.Int("sample_size", 64), Json: c.Json);
    }
}

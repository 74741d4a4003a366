using SemiDpo.Pretrained;
namespace SemiDpo.Clip;

/// <summary>The pre-LayerNorm transformer both CLIP towers are built of.</summary>
public sealed record ClipEncoderConfig(int HiddenSize, int IntermediateSize, int Layers, int Heads, string HiddenAct, double LayerNormEps)
{
    /// <summary>Reads the encoder fields of a text or vision config (transformers' names) with the given defaults.</summary>
    public static ClipEncoderConfig From(ConfigFile c, int hidden, int intermediate, int layers, int heads)
    {
        var act = c.String("hidden_act", "quick_gelu");
        if (act is not ("quick_gelu" or "gelu")) throw new ModelFormatException($"{c.Path}: hidden_act '{act}' is not supported (quick_gelu, gelu).");
        var config = new ClipEncoderConfig(c.Int("hidden_size", hidden), c.Int("intermediate_size", intermediate),
            c.Int("num_hidden_layers", layers), c.Int("num_attention_heads", heads), act, c.Double("layer_norm_eps", 1e-5));
        if (config.HiddenSize % config.Heads != 0) throw new ModelFormatException($"{c.Path}: hidden_size {config.HiddenSize} is not divisible by {config.Heads} heads.");
        return config;
    }
}

/// <summary>
/// The architecture of a transformers <c>CLIPTextModel</c> (SD1.5's text_encoder/config.json; transformers' defaults).
/// </summary>
public sealed record ClipTextConfig(ClipEncoderConfig Encoder, int VocabSize, int MaxPositions, int EosTokenId, string Json)
{
    public int HiddenSize => Encoder.HiddenSize;

    public static ClipTextConfig Read(string path) => From(ConfigFile.Read(path));

    public static ClipTextConfig From(ConfigFile c) => new(ClipEncoderConfig.From(c, 512, 2048, 12, 8),
        VocabSize: c.Int("vocab_size", 49408), MaxPositions: c.Int("max_position_embeddings", 77), EosTokenId: c.Int("eos_token_id", 49407), Json: c.Json);
}

/// <summary>The architecture of a transformers <c>CLIPVisionModel</c>: a ViT over image_size² pixels in patch_size² patches.</summary>
public sealed record ClipVisionConfig(ClipEncoderConfig Encoder, int ImageSize, int PatchSize, int Channels)
{
    public int HiddenSize => Encoder.HiddenSize;
    public int Patches => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    public static ClipVisionConfig From(ConfigFile c) => new(ClipEncoderConfig.From(c, 768, 3072, 12, 12),
        ImageSize: c.Int("image_size", 224), PatchSize: c.Int("patch_size", 32), Channels: c.Int("num_channels", 3));
}

namespace SemiDpo.StableDiffusion;

/// <summary>
/// The architecture of a transformers <c>CLIPTextModel</c> (SD1.5's text_encoder/config.json; transformers' defaults).
/// </summary>
public sealed record ClipTextConfig(
    int VocabSize, int HiddenSize, int IntermediateSize, int Layers, int Heads, int MaxPositions, string HiddenAct,
    double LayerNormEps, int EosTokenId, string Json)
{
    public static ClipTextConfig Read(string path) => From(ConfigFile.Read(path));

    public static ClipTextConfig From(ConfigFile c)
    {
        var act = c.String("hidden_act", "quick_gelu");
        if (act is not ("quick_gelu" or "gelu")) throw new DiffusersFormatException($"{c.Path}: hidden_act '{act}' is not supported (quick_gelu, gelu).");
        var config = new ClipTextConfig(
            VocabSize: c.Int("vocab_size", 49408), HiddenSize: c.Int("hidden_size", 512), IntermediateSize: c.Int("intermediate_size", 2048),
            Layers: c.Int("num_hidden_layers", 12), Heads: c.Int("num_attention_heads", 8), MaxPositions: c.Int("max_position_embeddings", 77),
            HiddenAct: act, LayerNormEps: c.Double("layer_norm_eps", 1e-5), EosTokenId: c.Int("eos_token_id", 49407), Json: c.Json);
        if (config.HiddenSize % config.Heads != 0) throw new DiffusersFormatException($"{c.Path}: hidden_size {config.HiddenSize} is not divisible by {config.Heads} heads.");
        return config;
    }
}

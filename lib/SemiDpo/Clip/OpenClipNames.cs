using SemiDpo.Pretrained;
using static TorchSharp.torch;

namespace SemiDpo.Clip;

/// <summary>
/// openai/CLIP's and open_clip's weight names → transformers' CLIPModel names: the fused attention projection
/// (in_proj_weight) splits into q/k/v, the projection matrices (used as x @ P) transpose into linear weights, and the
/// sizes of both towers are read off the tensors.
/// </summary>
public static class OpenClipNames
{
    /// <summary>Keys of openai's JIT checkpoints that are settings, not weights.</summary>
    static readonly HashSet<string> Settings = ["input_resolution", "context_length", "vocab_size"];

    public static Dictionary<string, Tensor> ToTransformers(IReadOnlyDictionary<string, Tensor> openClip, string where)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var (key, value) in openClip)
        {
            if (Settings.Contains(key)) continue;
            var (tower, rest) = key.StartsWith("visual.") ? ("vision_model.", key["visual.".Length..]) : ("text_model.", key);
            switch (rest)
            {
                case "token_embedding.weight": result["text_model.embeddings.token_embedding.weight"] = value; break;
                case "positional_embedding":
                    result[tower + "embeddings.position_embedding.weight"] = value; break;
                case "class_embedding": result["vision_model.embeddings.class_embedding"] = value; break;
                case "conv1.weight": result["vision_model.embeddings.patch_embedding.weight"] = value; break;
                case "proj": result["visual_projection.weight"] = value.T.contiguous(); break;
                case "text_projection": result["text_projection.weight"] = value.T.contiguous(); break;
                case "logit_scale": result["logit_scale"] = value; break;
                default:
                    if (rest.StartsWith("ln_pre.")) result["vision_model.pre_layrnorm." + rest[7..]] = value;
                    else if (rest.StartsWith("ln_post.")) result["vision_model.post_layernorm." + rest[8..]] = value;
                    else if (rest.StartsWith("ln_final.")) result["text_model.final_layer_norm." + rest[9..]] = value;
                    else if (rest.StartsWith("transformer.resblocks.")) Block(tower, rest["transformer.resblocks.".Length..], value, result);
                    else throw new ModelFormatException($"{where}: '{key}' is not a weight of an openai / open_clip CLIP model.");
                    break;
            }
        }
        return result;
    }

    static void Block(string tower, string rest, Tensor value, Dictionary<string, Tensor> result)
    {
        var dot = rest.IndexOf('.');
        var prefix = $"{tower}encoder.layers.{rest[..dot]}.";
        var name = rest[(dot + 1)..];
        if (name is "attn.in_proj_weight" or "attn.in_proj_bias")
        {
            var kind = name.EndsWith("weight") ? "weight" : "bias";
            var parts = value.chunk(3, 0);
            (result[$"{prefix}self_attn.q_proj.{kind}"], result[$"{prefix}self_attn.k_proj.{kind}"], result[$"{prefix}self_attn.v_proj.{kind}"]) = (parts[0], parts[1], parts[2]);
            return;
        }
        result[prefix + name.Replace("attn.out_proj.", "self_attn.out_proj.").Replace("ln_1.", "layer_norm1.").Replace("ln_2.", "layer_norm2.")
            .Replace("mlp.c_fc.", "mlp.fc1.").Replace("mlp.c_proj.", "mlp.fc2.")] = value;
    }

    /// <summary>The CLIPConfig the converted tensors describe (widths, layers, patch and image size, vocabulary, context length).</summary>
    public static ClipConfig Config(IReadOnlyDictionary<string, Tensor> tensors, OpenClipArchitecture architecture, string where)
    {
        long[] Shape(string key) => tensors.TryGetValue(key, out var t) ? t.shape : throw new ModelFormatException($"{where}: no '{key}' after renaming; not a CLIP checkpoint.");
        int Layers(string tower) => tensors.Keys.Where(k => k.StartsWith($"{tower}.encoder.layers.")).Select(k => int.Parse(k.Split('.')[3])).DefaultIfEmpty(-1).Max() + 1;
        int Heads(int? given, int width, string tower) => given ?? (width >= 64 ? width / 64
            : throw new ModelFormatException($"{where}: the {tower} tower is {width} wide; give its head count (open_clip's width / 64 does not apply)."));
        var token = Shape("text_model.embeddings.token_embedding.weight");
        var textWidth = (int)token[1];
        var patch = Shape("vision_model.embeddings.patch_embedding.weight");
        var visionWidth = (int)patch[0];
        var positions = (int)Shape("vision_model.embeddings.position_embedding.weight")[0];
        var grid = (int)Math.Round(Math.Sqrt(positions - 1));
        var text = new ClipTextConfig(
            new ClipEncoderConfig(textWidth, (int)Shape("text_model.encoder.layers.0.mlp.fc1.weight")[0], Layers("text_model"),
                Heads(architecture.TextHeads, textWidth, "text"), architecture.Activation, 1e-5),
            VocabSize: (int)token[0], MaxPositions: (int)Shape("text_model.embeddings.position_embedding.weight")[0], EosTokenId: (int)token[0] - 1, Json: "{}");
        var vision = new ClipVisionConfig(
            new ClipEncoderConfig(visionWidth, (int)Shape("vision_model.encoder.layers.0.mlp.fc1.weight")[0], Layers("vision_model"),
                Heads(architecture.VisionHeads, visionWidth, "vision"), architecture.Activation, 1e-5),
            ImageSize: grid * (int)patch[2], PatchSize: (int)patch[2], Channels: (int)patch[1]);
        var config = new ClipConfig(text, vision, (int)Shape("visual_projection.weight")[0], 2.6592);
        if (architecture.Expected is { } expected) Check(expected, config, where);
        return config;
    }

    /// <summary>Refuses a checkpoint whose tensors do not have the sizes its model config names, naming the first that differs.</summary>
    static void Check(OpenClipSizes expected, ClipConfig config, string where)
    {
        var pairs = new (string Name, int Config, int Checkpoint)[]
        {
            ("embed_dim", expected.EmbedDim, config.ProjectionDim),
            ("vision_cfg.image_size", expected.ImageSize, config.Vision.ImageSize),
            ("vision_cfg.patch_size", expected.PatchSize, config.Vision.PatchSize),
            ("vision_cfg.width", expected.VisionWidth, config.Vision.HiddenSize),
            ("vision_cfg.layers", expected.VisionLayers, config.Vision.Encoder.Layers),
            ("text_cfg.width", expected.TextWidth, config.Text.HiddenSize),
            ("text_cfg.layers", expected.TextLayers, config.Text.Encoder.Layers),
            ("text_cfg.context_length", expected.ContextLength, config.Text.MaxPositions),
            ("text_cfg.vocab_size", expected.VocabSize, config.Text.VocabSize),
        };
        if (pairs.FirstOrDefault(p => p.Config != p.Checkpoint) is { Name: not null } wrong)
            throw new ModelFormatException($"{where}: its model config says {wrong.Name} {wrong.Config}, the checkpoint's tensors {wrong.Checkpoint}: another architecture.");
    }
}

using System.Text;
using System.Text.Json;
using SemiDpo.Clip;
using SemiDpo.IO;
using SemiDpo.Pretrained;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.StableDiffusion;

/// <summary>The architecture a random-weight diffusers folder is written at.</summary>
public enum RandomFolderSize
{
    /// <summary>Stable Diffusion 1.5's exact configs: UNet (859.5M parameters), VAE, CLIP ViT-L/14 text encoder (49,408 × 768 embedding).</summary>
    Sd15,
    /// <summary>The same layout at a few MB (two UNet and VAE blocks, a 32-wide two-layer text encoder): to test the path quickly.</summary>
    Tiny,
}

/// <summary>
/// Writes a diffusers Stable Diffusion folder with random weights — model_index.json, unet/, vae/, text_encoder/ as
/// config.json + safetensors, tokenizer/ in transformers' CLIPTokenizer layout, scheduler/ (SD1.5's PNDM config) — so
/// that every size-dependent path (weight files of GB, checkpoints past 2 GB, memory) runs at the real size on any
/// machine, without downloads. The tokenizer is a byte-level BPE vocabulary of 514 tokens (bytes, bytes + &lt;/w&gt;,
/// the two specials) in the real files' format; its ids stay under the text encoder's 49,408.
/// </summary>
public static class RandomDiffusersFolder
{
    /// <summary>runwayml/stable-diffusion-v1-5 vae/config.json.</summary>
    const string Sd15Vae = """
        {"_class_name":"AutoencoderKL","act_fn":"silu","block_out_channels":[128,256,512,512],
         "down_block_types":["DownEncoderBlock2D","DownEncoderBlock2D","DownEncoderBlock2D","DownEncoderBlock2D"],
         "in_channels":3,"latent_channels":4,"layers_per_block":2,"norm_num_groups":32,"out_channels":3,"sample_size":512,
         "up_block_types":["UpDecoderBlock2D","UpDecoderBlock2D","UpDecoderBlock2D","UpDecoderBlock2D"]}
        """;

    /// <summary>runwayml/stable-diffusion-v1-5 text_encoder/config.json (CLIP ViT-L/14's text tower).</summary>
    const string Sd15Text = """
        {"architectures":["CLIPTextModel"],"attention_dropout":0.0,"bos_token_id":0,"eos_token_id":2,"hidden_act":"quick_gelu",
         "hidden_size":768,"initializer_factor":1.0,"initializer_range":0.02,"intermediate_size":3072,"layer_norm_eps":1e-05,
         "max_position_embeddings":77,"model_type":"clip_text_model","num_attention_heads":12,"num_hidden_layers":12,
         "pad_token_id":1,"projection_dim":768,"torch_dtype":"float32","vocab_size":49408}
        """;

    const string TinyUNet = """
        {"_class_name":"UNet2DConditionModel","act_fn":"silu","attention_head_dim":2,"block_out_channels":[32,64],
         "cross_attention_dim":32,"down_block_types":["CrossAttnDownBlock2D","DownBlock2D"],"in_channels":4,"layers_per_block":1,
         "norm_num_groups":32,"out_channels":4,"sample_size":8,"up_block_types":["UpBlock2D","CrossAttnUpBlock2D"]}
        """;

    const string TinyVae = """
        {"_class_name":"AutoencoderKL","act_fn":"silu","block_out_channels":[32,64],"down_block_types":["DownEncoderBlock2D","DownEncoderBlock2D"],
         "in_channels":3,"latent_channels":4,"layers_per_block":1,"norm_num_groups":32,"out_channels":3,"sample_size":64,
         "up_block_types":["UpDecoderBlock2D","UpDecoderBlock2D"]}
        """;

    const string TinyText = """
        {"architectures":["CLIPTextModel"],"hidden_act":"quick_gelu","hidden_size":32,"intermediate_size":37,"layer_norm_eps":1e-05,
         "max_position_embeddings":77,"model_type":"clip_text_model","num_attention_heads":4,"num_hidden_layers":2,"vocab_size":1000}
        """;

    /// <summary>runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json.</summary>
    const string Scheduler = """
        {"_class_name":"PNDMScheduler","beta_end":0.012,"beta_schedule":"scaled_linear","beta_start":0.00085,"clip_sample":false,
         "num_train_timesteps":1000,"set_alpha_to_one":false,"skip_prk_steps":true,"steps_offset":1,"trained_betas":null}
        """;

    const string ModelIndex = """
        {"_class_name":"StableDiffusionPipeline","_diffusers_version":"0.25.1","feature_extractor":[null,null],"requires_safety_checker":false,
         "safety_checker":[null,null],"scheduler":["diffusers","PNDMScheduler"],"text_encoder":["transformers","CLIPTextModel"],
         "tokenizer":["transformers","CLIPTokenizer"],"unet":["diffusers","UNet2DConditionModel"],"vae":["diffusers","AutoencoderKL"]}
        """;

    /// <summary>Writes the folder (its parts replaced if present); weights from torch's generator seeded with <paramref name="seed"/>.</summary>
    public static void Write(string folder, RandomFolderSize size, int seed = 0)
    {
        TorchRuntime.Init();
        var sd15 = size == RandomFolderSize.Sd15;
        var unetJson = sd15 ? UNet2DConditionConfig.StableDiffusion15.Json : TinyUNet;
        Seeding.Everything(seed);
        using (var unet = new UNet2DConditionModel(UNet2DConditionConfig.From(ConfigFile.Parse(unetJson))))
            WriteComponent(folder, "unet", unetJson, unet, "diffusion_pytorch_model.safetensors");
        var vaeJson = sd15 ? Sd15Vae : TinyVae;
        using (var vae = new AutoencoderKL(AutoencoderKLConfig.From(ConfigFile.Parse(vaeJson))))
            WriteComponent(folder, "vae", vaeJson, vae, "diffusion_pytorch_model.safetensors");
        var textJson = sd15 ? Sd15Text : TinyText;
        using (var text = new ClipTextModel(ClipTextConfig.From(ConfigFile.Parse(textJson))))
            WriteComponent(folder, "text_encoder", textJson, text, "model.safetensors");
        WriteText(Path.Combine(folder, "scheduler", "scheduler_config.json"), Scheduler);
        WriteTokenizer(Path.Combine(folder, "tokenizer"));
        WriteText(Path.Combine(folder, "model_index.json"), ModelIndex);
    }

    static void WriteComponent(string folder, string name, string configJson, nn.Module module, string weights)
    {
        WriteText(Path.Combine(folder, name, "config.json"), configJson);
        ModuleWeights.Save(module, Path.Combine(folder, name, weights));
    }

    /// <summary>vocab.json (CLIP's byte alphabet in its order, then each byte with &lt;/w&gt;, then the specials), merges.txt (none), the special tokens.</summary>
    static void WriteTokenizer(string folder)
    {
        var bytes = ByteAlphabet();
        var tokens = bytes.Concat(bytes.Select(b => b + "</w>")).Append(ClipTokenizer.StartOfText).Append(ClipTokenizer.EndOfText);
        WriteText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i)));
        WriteText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n");
        var special = $$"""{"bos_token":"{{ClipTokenizer.StartOfText}}","eos_token":"{{ClipTokenizer.EndOfText}}","pad_token":"{{ClipTokenizer.EndOfText}}","unk_token":"{{ClipTokenizer.EndOfText}}"}""";
        WriteText(Path.Combine(folder, "special_tokens_map.json"), special);
        WriteText(Path.Combine(folder, "tokenizer_config.json"), special[..^1] + ""","model_max_length":77,"do_lower_case":true,"tokenizer_class":"CLIPTokenizer"}""");
    }

    /// <summary>GPT-2 / CLIP's bytes_to_unicode: printable bytes stand for themselves, the others for 256, 257, …, in that order.</summary>
    static List<string> ByteAlphabet()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToList();
        var others = Enumerable.Range(0, 256).Where(b => !printable.Contains(b)).Select((b, n) => 256 + n);
        return printable.Concat(others).Select(c => ((char)c).ToString()).ToList();
    }

    static void WriteText(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));
    }
}

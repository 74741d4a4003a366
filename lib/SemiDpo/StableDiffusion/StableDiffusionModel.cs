using SemiDpo.Clip;
using SemiDpo.Diffusion;
using SemiDpo.Pretrained;
using SemiDpo.Torch;
using static TorchSharp.torch;

namespace SemiDpo.StableDiffusion;

/// <summary>How a Stable Diffusion folder is loaded.</summary>
/// <param name="TrainedDType">dtype of the UNet that trains (float32; bfloat16 trains without fp32 master weights).</param>
/// <param name="FrozenDType">dtype of the VAE and text encoder (float16 / bfloat16 on a GPU is the usual set-up).</param>
/// <param name="Variant">Weight-file variant, e.g. "fp16" for <c>*.fp16.safetensors</c>; null = the plain files.</param>
/// <param name="SampleLatents">x_0 = a sample of the VAE's latent distribution (Diffusion-DPO's training script) or its mean.</param>
/// <param name="GradientCheckpointing">The UNets train with <see cref="UNet2DConditionModel.GradientCheckpointing"/>.</param>
/// <param name="MixedPrecision">The UNets compute in this dtype (bfloat16) with their weights kept in <paramref name="TrainedDType"/> (float32 master weights): <see cref="UNet2DConditionModel.ComputeDType"/>, accelerate's mixed_precision; null: the weights' dtype.</param>
public sealed record StableDiffusionOptions(ScalarType TrainedDType = ScalarType.Float32, ScalarType FrozenDType = ScalarType.Float32,
    string? Variant = null, bool SampleLatents = true, bool GradientCheckpointing = false, ScalarType? MixedPrecision = null);

/// <summary>
/// Stable Diffusion (1.x / 2.x ε-prediction) as an <see cref="IDiffusionModel"/>: CLIP tokenizer + frozen text encoder
/// → context; frozen VAE → latents × scaling factor = the training space; the UNet predicts ε; the noise schedule and
/// DDIM settings come from scheduler_config.json. The same losses, trainer, confidence scorer and sampler as the
/// miniature world run on it. <see cref="Copy"/> copies the UNet only; the frozen parts are shared with the original,
/// which owns (and disposes) them.
/// </summary>
public sealed class StableDiffusionModel : IDiffusionModel
{
    readonly FrozenParts frozen;
    readonly SchedulerConfig scheduler;
    readonly StableDiffusionOptions options;
    readonly bool ownsFrozen;

    StableDiffusionModel(UNet2DConditionModel unet, FrozenParts frozen, SchedulerConfig scheduler, StableDiffusionOptions options, Device device, bool ownsFrozen)
    {
        SourceFolder = frozen.Source;
        UNet = unet;
        unet.GradientCheckpointing = options.GradientCheckpointing;
        unet.ComputeDType = options.MixedPrecision;
        this.frozen = frozen;
        this.scheduler = scheduler;
        this.options = options;
        this.ownsFrozen = ownsFrozen;
        Device = device;
        Schedule = scheduler.Schedule();
    }

    /// <summary>The frozen components one model and its copies share.</summary>
    /// <param name="UNetFiles">The folder's UNet weight files: their SHA-256 names the base a LoRA checkpoint was trained on.</param>
    sealed record FrozenParts(AutoencoderKL Vae, ClipTextModel TextEncoder, ClipTokenizer Tokenizer, string Source, IReadOnlyList<string> UNetFiles);

    /// <summary>The diffusers folder the model was loaded from.</summary>
    public string SourceFolder { get; }

    public UNet2DConditionModel UNet { get; }
    /// <summary>The LoRA adapters' settings when the UNet trains through them (<see cref="EnableLora(LoraConfig)"/>), else null.</summary>
    public LoraConfig? Lora { get; private set; }
    public AutoencoderKL Vae => frozen.Vae;
    public ClipTextModel TextEncoder => frozen.TextEncoder;
    public ClipTokenizer Tokenizer => frozen.Tokenizer;
    public Device Device { get; }
    public NoiseSchedule Schedule { get; }
    IPromptTokenizer IDiffusionModel.Tokenizer => Tokenizer;
    nn.Module IDiffusionModel.Network => UNet;

    /// <summary>Loads unet/, vae/, text_encoder/, tokenizer/ and scheduler/ of a diffusers folder onto <paramref name="device"/>.</summary>
    public static StableDiffusionModel Load(string folder, Device? device = null, StableDiffusionOptions? options = null)
    {
        TorchRuntime.Init();
        options ??= new StableDiffusionOptions();
        device ??= TorchDevice.Default();
        var files = new DiffusersFolder(folder, options.Variant);
        var scheduler = SchedulerConfig.Read(files.SchedulerConfig);
        var tokenizer = ClipTokenizer.Load(files.Tokenizer);
        var unet = StateDictFile.Place(new UNet2DConditionModel(UNet2DConditionConfig.Read(files.Config("unet"))), device, options.TrainedDType, frozen: false);
        var unetFiles = files.Weights("unet", "diffusion_pytorch_model");
        ModuleWeights.Load(unet, unetFiles);
        var vae = StateDictFile.Place(new AutoencoderKL(AutoencoderKLConfig.Read(files.Config("vae"))), device, options.FrozenDType, frozen: true);
        ModuleWeights.Load(vae, files.Weights("vae", "diffusion_pytorch_model"), rename: DeprecatedAttentionNames);
        var text = StateDictFile.Place(new ClipTextModel(ClipTextConfig.Read(files.Config("text_encoder"))), device, options.FrozenDType, frozen: true);
        ModuleWeights.Load(text, files.Weights("text_encoder", "model"), ClipTextModel.IgnoredKeys);
        if (tokenizer.VocabularySize > text.Config.VocabSize)
            throw new ModelFormatException($"{files.Tokenizer}: {tokenizer.VocabularySize} tokens, but the text encoder embeds only {text.Config.VocabSize}.");
        if (unet.Config.CrossAttentionDim != text.Config.HiddenSize)
            throw new ModelFormatException($"{files.Root}: the UNet attends to {unet.Config.CrossAttentionDim}-wide context, the text encoder gives {text.Config.HiddenSize}.");
        return new StableDiffusionModel(unet, new FrozenParts(vae, text, tokenizer, files.Root, unetFiles), scheduler, options, device, ownsFrozen: true);
    }

    /// <summary>diffusers' older VAE attention names (query/key/value/proj_attn) → today's (to_q/to_k/to_v/to_out.0).</summary>
    static string DeprecatedAttentionNames(string key) => key
        .Replace(".query.", ".to_q.").Replace(".key.", ".to_k.").Replace(".value.", ".to_v.").Replace(".proj_attn.", ".to_out.0.");

    /// <summary>Scaled VAE latents: (mean or a sample of the latent distribution) × scaling factor, in float32, without grad.</summary>
    public Tensor ToTrainingSpace(Tensor pixels, Generator? generator = null)
    {
        using var noGrad = no_grad();
        using var fast = OneDnnSwitch.ForForward();
        var posterior = Vae.Encode(pixels.to(Device).to_type(options.FrozenDType));
        var latents = options.SampleLatents ? posterior.Sample(generator) : posterior.Mean;
        return (latents * Vae.Config.ScalingFactor).to_type(ScalarType.Float32);
    }

    /// <inheritdoc/>
    public void SkipTrainingSpaceDraws(int count, int height, int width, Generator generator)
    {
        if (options.SampleLatents) Noise.Skip([count, .. TrainingShape(height, width)], options.FrozenDType, generator);   // LatentDistribution.Sample's
    }

    /// <summary>The VAE's latent distribution of images × the scaling factor: (mean, std) in float32, without grad (what the latent cache stores).</summary>
    public (Tensor Mean, Tensor Std) EncodeLatents(Tensor pixels)
    {
        using var noGrad = no_grad();
        using var fast = OneDnnSwitch.ForForward();
        var posterior = Vae.Encode(pixels.to(Device).to_type(options.FrozenDType));
        var scale = Vae.Config.ScalingFactor;
        return ((posterior.Mean * scale).to_type(ScalarType.Float32), (posterior.Std * scale).to_type(ScalarType.Float32));
    }

    /// <summary>True when x_0 is a sample of the latent distribution (Diffusion-DPO's script), false for its mean.</summary>
    public bool SamplesLatents => options.SampleLatents;

    /// <summary>Decoded images (float32, about −1…1) from scaled latents.</summary>
    public Tensor ToPixels(Tensor x0)
    {
        using var noGrad = no_grad();
        using var fast = OneDnnSwitch.ForForward();
        return Vae.Decode((x0 / Vae.Config.ScalingFactor).to_type(options.FrozenDType)).to_type(ScalarType.Float32);
    }

    /// <summary>The image side the UNet was trained at: sample_size × the VAE's factor (512 for SD1.5).</summary>
    public int DefaultImageSize => UNet.Config.SampleSize * Vae.Config.DownscaleFactor;

    public long[] TrainingShape(int height, int width)
    {
        var f = Vae.Config.DownscaleFactor;
        if (height % f != 0 || width % f != 0) throw new ArgumentException($"Image size {height}×{width} is not a multiple of the VAE's factor {f}.");
        return [Vae.Config.LatentChannels, height / f, width / f];
    }

    /// <summary>ε̂ in float32: the frozen text encoder's last hidden state (no grad) conditions the UNet (differentiable).</summary>
    public Tensor PredictNoise(Tensor xt, Tensor t, Tensor tokens)
    {
        using var fast = OneDnnSwitch.ForForward();
        var dtype = unetDType ?? options.TrainedDType;
        Tensor context;
        using (no_grad()) context = TextEncoder.forward(tokens).to_type(dtype);
        return UNet.forward(xt.to_type(dtype), t, context).to_type(ScalarType.Float32);
    }

    /// <summary>The UNet's dtype once <see cref="HoldAsReference"/> changed it; null: <see cref="StableDiffusionOptions.TrainedDType"/>.</summary>
    ScalarType? unetDType;

    /// <summary>
    /// Holds this model's UNet in <paramref name="dtype"/> from now on, frozen and in eval mode, for a model that is
    /// only a reference from here on (the official mixed-precision run keeps its reference UNet in bf16: half the
    /// memory of float32). ε̂ is then computed in that dtype and returned in float32. Trained gradients are dropped.
    /// </summary>
    public void HoldAsReference(ScalarType dtype)
    {
        foreach (var p in UNet.parameters()) p.grad = null;
        StateDictFile.Place(UNet, Device, dtype, frozen: true);
        unetDType = dtype;
    }

    /// <summary>DDIM with the scheduler's steps_offset / set_alpha_to_one / clip_sample (SD: 1, false, false).</summary>
    public DdimSampler Sampler() => scheduler.Sampler(Schedule);

    /// <summary>The sampler scheduler_config.json names: PNDM (PLMS) for SD1.5, as diffusers' pipeline and the official evaluation sample.</summary>
    public IDenoisingSampler SchedulerSampler() => scheduler.FolderSampler(Schedule, SourceFolder);

    IDiffusionModel IDiffusionModel.Copy() => Copy();

    /// <summary>
    /// A second model with its own copy of the UNet weights (and adapters, when LoRA is on), sharing the frozen VAE,
    /// text encoder and tokenizer.
    /// </summary>
    public StableDiffusionModel Copy()
    {
        var unet = StateDictFile.Place(new UNet2DConditionModel(UNet.Config), Device, options.TrainedDType, frozen: false);
        if (Lora is { } lora) unet.AddLora(lora);
        unet.load_state_dict(UNet.state_dict());
        return new StableDiffusionModel(unet, frozen, scheduler, options, Device, ownsFrozen: false) { Lora = Lora, baseSha256 = baseSha256, fusedLora = fusedLora, fusedSha256 = fusedSha256 };
    }

    /// <summary>
    /// The official LoRA iteration rule: a <see cref="Copy"/> with this model's adapters merged into its UNet weights and
    /// fresh adapters (B = 0, A drawn from <see cref="LoraConfig.Seed"/> + <paramref name="iteration"/>) — the same model,
    /// whose adapters-off view is this model. The merged updates are kept (a few MB) for <see cref="WriteLora"/>.
    /// </summary>
    public StableDiffusionModel CopyFused(int iteration)
    {
        var lora = Lora ?? throw new InvalidOperationException("LoRA is off: nothing to fuse.");
        var copy = Copy();
        var merged = UNet.LoraLayers();
        foreach (var layer in merged.Values) { layer.Down.DetachFromDisposeScope(); layer.Up.DetachFromDisposeScope(); }   // kept for the model's life
        copy.fusedLora = [.. fusedLora, merged];
        copy.fusedSha256 = FusedHash(fusedSha256, merged);
        using var generator = new Generator((ulong)(lora.Seed + iteration));
        copy.UNet.FuseLora(generator);
        return copy;
    }

    /// <summary>SHA-256 chaining every fused update's values (null before the first): names what a checkpoint's frozen weights hold.</summary>
    string? fusedSha256;

    static string FusedHash(string? before, Dictionary<string, LoraLayer> merged)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        if (before is not null) sha.AppendData(System.Text.Encoding.ASCII.GetBytes(before));
        foreach (var (module, layer) in merged.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(module));
            foreach (var t in new[] { layer.Down, layer.Up })
            {
                using var values = t.to_type(ScalarType.Float32).cpu().contiguous();
                sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.data<float>().ToArray().AsSpan()));
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// Adapter updates merged into the UNet weights so far (one set per fused iteration), oldest first; shared with the
    /// copies made after them, so left to the garbage collector (a few MB per iteration) rather than disposed with a model.
    /// </summary>
    IReadOnlyList<Dictionary<string, LoraLayer>> fusedLora = [];

    /// <summary>
    /// Writes folder/pytorch_lora_weights.safetensors: this model relative to the folder's UNet as one LoRA — the fused
    /// iterations' adapters and the current ones side by side (rank r × (fused + 1): up·down is their sum, exactly) — which
    /// diffusers' <c>pipe.load_lora_weights(folder)</c> and official <c>evaluate.py --lora</c> load onto the base pipeline.
    /// </summary>
    public string WriteLora(string folder)
    {
        if (Lora is null) throw new InvalidOperationException("LoRA is off: there are no adapters to write.");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, LoraWeightsFile.FileName);
        using var scope = NewDisposeScope();
        var current = UNet.LoraLayers();
        var layers = current.ToDictionary(p => p.Key, p =>
        {
            var parts = fusedLora.Select(f => f[p.Key]).Append(p.Value).ToList();
            return parts.Count == 1 ? p.Value : new LoraLayer(cat(parts.Select(l => l.Down).ToList(), 0), cat(parts.Select(l => l.Up).ToList(), 1));
        });
        LoraWeightsFile.Write(path, layers);
        return path;
    }

    /// <summary>
    /// Trains through LoRA from now on: the UNet's weights freeze and adapters (B = 0, so the model is unchanged) are added
    /// to to_q / to_k / to_v / to_out.0 of every attention; only they are parameters that require grad.
    /// </summary>
    public void EnableLora(LoraConfig config)
    {
        if (Lora is not null) throw new InvalidOperationException("LoRA is already on.");
        UNet.AddLora(config);
        Lora = config;
        baseSha256 = WeightFiles.Sha256(frozen.UNetFiles);
    }

    /// <summary>
    /// <see cref="EnableLora(LoraConfig)"/> starting from a LoRA file's adapters (diffusers' or the official
    /// pytorch_lora_weights.safetensors, or a folder holding it; α = r, the rank the file's): training goes on from them.
    /// </summary>
    public void EnableLora(string file, long seed = 0)
    {
        var layers = LoraWeightsFile.Read(file);
        try
        {
            var rank = layers.Values.Select(l => l.Rank).Distinct().ToList();
            if (rank.Count != 1) throw new ArgumentException($"{file}: layers of different ranks ({string.Join(", ", rank)}); one rank is supported.");
            EnableLora(new LoraConfig((int)rank[0], rank[0], seed));
            UNet.LoadLora(layers, file);
        }
        finally
        {
            foreach (var layer in layers.Values) { layer.Down.Dispose(); layer.Up.Dispose(); }   // copied into the adapters
        }
    }

    /// <summary>SHA-256 of the folder's UNet weight files once LoRA is on (a LoRA checkpoint holds the adapters only).</summary>
    string? baseSha256;

    /// <summary>
    /// What a checkpoint of this model holds: with LoRA the adapters alone (the base weights are the folder's, named by
    /// their SHA-256 in <see cref="ConfigJson"/>), so a checkpoint is megabytes, not the 3.4 GB UNet; otherwise everything.
    /// </summary>
    public IReadOnlyCollection<string>? CheckpointKeys => Lora is null ? null
        : UNet.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();

    /// <summary>
    /// The model inside this LoRA model — the same UNet with every adapter off — as the Diffusion-DPO reference
    /// (diffusers' DPO example does the same): no second UNet in memory. That is the base model, or, after fused
    /// iterations (<see cref="CopyFused"/>), the previous iteration's model.
    /// </summary>
    public IDiffusionModel AdaptersOff() =>
        Lora is null ? throw new InvalidOperationException("LoRA is off: the reference is a Copy() of the model.") : new LoraReference(this);

    /// <summary>A model with the base weights only (adapters dropped, not merged).</summary>
    internal StableDiffusionModel CopyBase()
    {
        var unet = StateDictFile.Place(new UNet2DConditionModel(UNet.Config), Device, options.TrainedDType, frozen: false);
        unet.load_state_dict(UNet.state_dict().Where(p => !p.Key.Contains(".lora_", StringComparison.Ordinal)).ToDictionary());
        return new StableDiffusionModel(unet, frozen, scheduler, options, Device, ownsFrozen: false);
    }

    public string ConfigJson(string? runConfigJson = null) => Lora is { } lora
        ? $"{{\"Model\":{UNet.Config.Json},\"Lora\":{{\"Rank\":{lora.Rank},\"Alpha\":{lora.Alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)},\"BaseUNetSha256\":\"{baseSha256}\"{(fusedLora.Count > 0 ? $",\"FusedIterations\":{fusedLora.Count},\"FusedSha256\":\"{fusedSha256}\"" : "")}}},\"Run\":{runConfigJson ?? "null"}}}"
        : BaseConfigJson(runConfigJson);

    /// <summary>The config of the model without its adapters (what <see cref="AdaptersOff"/> reports).</summary>
    internal string BaseConfigJson(string? runConfigJson) => $"{{\"Model\":{UNet.Config.Json},\"Run\":{runConfigJson ?? "null"}}}";

    /// <summary>
    /// Writes the UNet as a diffusers <c>unet/</c> folder under <paramref name="folder"/>: its config.json as read, and
    /// diffusion_pytorch_model.safetensors in <paramref name="dtype"/> (default: the UNet's), which diffusers loads;
    /// LoRA adapters are merged into the weights they adapt.
    /// </summary>
    public string SaveUNet(string folder, ScalarType? dtype = null)
    {
        var unetFolder = Path.Combine(folder, "unet");
        Directory.CreateDirectory(unetFolder);
        using (var scope = NewDisposeScope())
            ModuleWeights.Save(Lora is null ? UNet.state_dict() : UNet.MergedStateDict(), Path.Combine(unetFolder, "diffusion_pytorch_model.safetensors"), dtype);
        IO.AtomicFile.Write(Path.Combine(unetFolder, "config.json"), s => s.Write(System.Text.Encoding.UTF8.GetBytes(UNet.Config.Json)));
        return unetFolder;
    }

    /// <summary>
    /// Writes a complete diffusers folder — what StableDiffusionPipeline.from_pretrained and <c>semidpo sample</c> load —
    /// from <see cref="SourceFolder"/>'s model_index.json: that file, each component it names but the UNet (configs,
    /// tokenizer files and the weight files of the variant this model read; not the folder's other variants, pickles,
    /// root checkpoints or .git), and this model's UNet (LoRA merged).
    /// </summary>
    public void Export(string folder, ScalarType? dtype = null)
    {
        var source = Path.GetFullPath(SourceFolder);
        if (Path.GetFullPath(folder).TrimEnd('/') == source.TrimEnd('/')) throw new ArgumentException($"--export {folder} is the folder the model came from; choose another.");
        var files = new DiffusersFolder(source, options.Variant);
        foreach (var file in files.ExportFiles().Where(f => !f.StartsWith("unet" + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            var target = Path.Combine(folder, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(source, file), target, overwrite: true);
        }
        var unet = Path.Combine(folder, "unet");
        if (Directory.Exists(unet)) Directory.Delete(unet, recursive: true);
        SaveUNet(folder, dtype);
    }

    public void Dispose()
    {
        UNet.Dispose();
        if (!ownsFrozen) return;
        Vae.Dispose();
        TextEncoder.Dispose();
    }
}

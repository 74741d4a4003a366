#:project ../lib/SemiDpo/SemiDpo.csproj
#:property PublishAot=false
// Usage (from the repository root): dotnet run -c Release -p:GeneratePackageOnBuild=false bench/step-memory.cs -- full|lora [LATENT] [BATCH] [checkpointing] [mixed]
// Resident memory through two training steps of SD1.5's UNet at its real size (UNet2DConditionConfig.StableDiffusion15,
// 860M parameters, random weights; LATENT×LATENT latents, default 8 = 64² images; BATCH images per forward, default 2 =
// one preference pair), with the trainer's optimizer (SemiDpo.Training.AdamW) and gradient clipping: after the forward,
// the backward, the AdamW step and zero_grad, each against what the tensors that must exist add up to. The process's
// peak (VmHWM) is what a GPU of that size would need at least; SEMIDPO_MALLOC=default shows live memory more closely
// (the default allocator policy keeps freed heap). lora: rank 8 adapters on the attention projections, base frozen.
// checkpointing: UNet2DConditionModel.GradientCheckpointing (each resnet and transformer recomputed in the backward).
// mixed: UNet2DConditionModel.ComputeDType = bfloat16 (float32 master weights, bfloat16 compute: accelerate's bf16 mixed precision).
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;
var runtime = TorchRuntime.Init();
static long Mb(string key) => long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith(key)).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
var (kind, latent, batch) = (args[0], args.Length > 1 ? int.Parse(args[1]) : 8, args.Length > 2 ? int.Parse(args[2]) : 2);
var checkpointing = args.Skip(3).Contains("checkpointing");
var mixed = args.Skip(3).Contains("mixed");
Seeding.Everything(1);
using var unet = new UNet2DConditionModel(UNet2DConditionConfig.StableDiffusion15);
if (kind == "lora") unet.AddLora(new LoraConfig(Rank: 8));
unet.GradientCheckpointing = checkpointing;
unet.ComputeDType = mixed ? ScalarType.BFloat16 : null;
var trained = unet.parameters().Where(p => p.requires_grad).ToList();
var (weightsMb, trainedMb) = (unet.parameters().Sum(p => p.numel()) * 4 >> 20, trained.Sum(p => p.numel()) * 4 >> 20);
Console.WriteLine($"{kind}: weights {weightsMb:N0} MB, trained {trainedMb:N0} MB; {latent}×{latent} latents ({8 * latent}² images), batch {batch}{(checkpointing ? ", gradient checkpointing" : "")}{(mixed ? ", bfloat16 mixed precision" : "")}; malloc {runtime.Malloc}");
void Show(string phase, long expectedMb) =>
    Console.WriteLine($"{phase,-22} resident {Mb("VmRSS"),7:N0} MB   peak {Mb("VmHWM"),7:N0} MB   tensors that must exist {expectedMb,7:N0} MB");
Show("model built", weightsMb);
using var optimizer = new SemiDpo.Training.AdamW(trained, 1e-5, weightDecay: 1e-2);
var steady = weightsMb + 2 * trainedMb;   // + AdamW's two moments, allocated with the optimizer
for (var step = 1; step <= 2; step++)
{
    var clock = System.Diagnostics.Stopwatch.StartNew();
    using (var scope = NewDisposeScope())
    {
        var loss = unet.forward(randn(batch, 4, latent, latent), tensor(Enumerable.Repeat(500L, batch).ToArray()), randn(batch, 77, 768)).pow(2).mean();
        Show($"step {step}: forward", steady + (step > 1 ? trainedMb : 0));
        loss.backward();
    }
    Show($"step {step}: backward", steady + trainedMb);
    nn.utils.clip_grad_norm_(trained, 1.0);
    optimizer.step();
    Show($"step {step}: AdamW", steady + trainedMb);
    optimizer.zero_grad();
    Console.WriteLine($"step {step}: {clock.Elapsed.TotalSeconds:F1} s");
}

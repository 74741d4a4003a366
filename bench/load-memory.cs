#:project ../lib/SemiDpo/SemiDpo.csproj
#:property PublishAot=false
// Usage (from the repository root): dotnet run -c Release -p:GeneratePackageOnBuild=false bench/load-memory.cs -- SD_FOLDER [lora]
// Resident memory through what `semidpo train` does with the models of a diffusers folder (e.g. the one
// `semidpo selfcheck sd15` writes: SD1.5's exact architectures, random weights): load it, switch LoRA on (with `lora`),
// copy the UNet for the next iteration's policy, hold the previous one as a bfloat16 reference, drop it. After each
// phase: resident memory, the same after .NET's garbage collector has run its finalizers (tensors that only wait for
// finalization), after glibc hands the heap's free pages back (malloc_trim: memory freed but kept by the allocator
// policy), and the bytes of the tensors the live models hold.
using SemiDpo.StableDiffusion;
using SemiDpo.Torch;
using static TorchSharp.torch;
var runtime = TorchRuntime.Init();
static long ResidentMb() => Environment.WorkingSet >> 20;
static long PeakMb() { using var self = System.Diagnostics.Process.GetCurrentProcess(); return self.PeakWorkingSet64 >> 20; }
static long TensorMb(params nn.Module[] modules) => modules.Sum(m => m.parameters().Sum(p => p.numel() * p.element_size())) >> 20;
var folder = args[0];
Console.WriteLine($"{folder}{(args.Contains("lora") ? ", LoRA rank 4" : "")}; malloc {runtime.Malloc}");
Console.WriteLine($"{"phase",-34} {"resident",9} {"after GC",9} {"after trim",10} {"tensors",9} {"peak",9}  (MB)");
void Show(string phase, long tensorsMb)
{
    var resident = ResidentMb();
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var collected = ResidentMb();
    MallocDefaults.Release();
    Console.WriteLine($"{phase,-34} {resident,9:N0} {collected,9:N0} {ResidentMb(),10:N0} {tensorsMb,9:N0} {PeakMb(),9:N0}");
}
Show("start", 0);
var model = StableDiffusionModel.Load(folder, CPU);
Show("loaded", TensorMb(model.UNet, model.Vae, model.TextEncoder));
if (args.Contains("lora")) model.EnableLora(new LoraConfig(4, 4));
Show(args.Contains("lora") ? "LoRA on" : "(full UNet)", TensorMb(model.UNet, model.Vae, model.TextEncoder));
var next = model.Lora is null ? model.Copy() : model.CopyFused(1);
Show("next iteration's policy copied", TensorMb(model.UNet, next.UNet, model.Vae, model.TextEncoder));
model.HoldAsReference(ScalarType.BFloat16);
Show("previous held in bfloat16", TensorMb(model.UNet, next.UNet, model.Vae, model.TextEncoder));
next.Dispose();
Show("policy disposed", TensorMb(model.UNet, model.Vae, model.TextEncoder));
model.Dispose();
Show("all disposed", 0);

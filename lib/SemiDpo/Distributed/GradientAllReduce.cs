using static TorchSharp.torch;

namespace SemiDpo.Distributed;

/// <summary>
/// Sums the trained parameters' gradients across the ranks once per optimizer step, so every rank applies the same
/// update: gradients of at least <see cref="InPlaceElements"/> in host memory are summed where they are; the others are
/// flattened into buckets of at most <see cref="DataParallel.ChunkElements"/> elements (a few large MPI calls, as DDP's
/// buckets), summed and copied back. Each rank's gradient is already its micro-batches' share of the global batch's mean, so the sum is the single process's accumulated gradient. CUDA
/// gradients are staged through host memory (CUDA-aware MPI is not assumed).
/// </summary>
public static class GradientAllReduce
{
    public static void Apply(DataParallel world, IReadOnlyList<TorchSharp.Modules.Parameter> parameters)
    {
        if (!world.IsDistributed) return;
        // Each p.grad is a new handle on the gradient: undisposed, it would keep the gradient alive after the model drops
        // it (an iteration's end) until .NET's garbage collector finalised it — 3.4 GB on SD1.5's UNet.
        using var handles = NewDisposeScope();
        Apply(world, parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToList());
    }

    /// <summary>Gradients of at least this many elements that live contiguous in host memory are summed where they are (no copy).</summary>
    public const long InPlaceElements = 1L << 20;

    /// <summary>Sums the given float32 tensors in place across the ranks.</summary>
    public static unsafe void Apply(DataParallel world, IReadOnlyList<Tensor> grads)
    {
        if (!world.IsDistributed) return;
        if (grads.Any(g => g.dtype != ScalarType.Float32))
            throw new DataParallelException($"the gradient all-reduce sums float32 gradients; found {string.Join(", ", grads.Select(g => g.dtype).Distinct())}.");
        bool InPlace(Tensor g) => g.numel() >= InPlaceElements && g.device.type == TorchSharp.DeviceType.CPU && g.is_contiguous();
        foreach (var g in grads.Where(InPlace)) Sum(world, g);
        var rest = grads.Where(g => !InPlace(g)).ToList();
        for (var start = 0; start < rest.Count;)
        {
            var end = start;
            long elements = 0;
            while (end < rest.Count && (end == start || elements + rest[end].numel() <= DataParallel.ChunkElements)) elements += rest[end++].numel();
            using var scope = NewDisposeScope();
            var bucket = rest.Skip(start).Take(end - start).ToList();
            var flat = cat(bucket.Select(g => g.flatten()).ToList(), 0);
            var host = flat.device.type == TorchSharp.DeviceType.CPU ? flat.contiguous() : flat.cpu();
            Sum(world, host);
            long offset = 0;
            foreach (var g in bucket)
            {
                g.copy_(host.narrow(0, offset, g.numel()).view_as(g));
                offset += g.numel();
            }
            start = end;
        }
    }

    static unsafe void Sum(DataParallel world, Tensor contiguousHost)
    {
        if (contiguousHost.numel() > int.MaxValue / sizeof(float))
            throw new DataParallelException($"a gradient of {contiguousHost.numel():N0} elements is larger than one all-reduce can hold (2 GB).");
        fixed (byte* bytes = contiguousHost.bytes)
            world.AllReduceSum((float*)bytes, contiguousHost.numel(), "the gradient all-reduce");
    }
}

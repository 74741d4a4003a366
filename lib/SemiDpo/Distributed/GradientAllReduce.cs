using static TorchSharp.torch;

namespace SemiDpo.Distributed;

/// <summary>
/// Sums the trained parameters' gradients across the ranks once per optimizer step, so every rank applies the same
/// update: the gradients are flattened into buckets of at most <see cref="DataParallel.ChunkElements"/> elements (a
/// few large MPI calls, as DDP's buckets), summed in place, and copied back. Each rank's gradient is already its
/// micro-batches' share of the global batch's mean, so the sum is the single process's accumulated gradient. CUDA
/// gradients are staged through host memory (CUDA-aware MPI is not assumed).
/// </summary>
public static class GradientAllReduce
{
    public static unsafe void Apply(DataParallel world, IReadOnlyList<TorchSharp.Modules.Parameter> parameters)
    {
        if (!world.IsDistributed) return;
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToList();
        if (grads.Any(g => g.dtype != ScalarType.Float32))
            throw new DataParallelException($"the gradient all-reduce sums float32 gradients; found {string.Join(", ", grads.Select(g => g.dtype).Distinct())}.");
        var start = 0;
        while (start < grads.Count)
        {
            var end = start;
            long elements = 0;
            while (end < grads.Count && (end == start || elements + grads[end].numel() <= DataParallel.ChunkElements)) elements += grads[end++].numel();
            if (elements > int.MaxValue / sizeof(float))
                throw new DataParallelException($"a gradient of {elements:N0} elements is larger than one all-reduce bucket can hold.");
            using var scope = NewDisposeScope();
            var bucket = grads[start..end];
            var flat = cat(bucket.Select(g => g.flatten()).ToList(), 0);
            var host = flat.device.type == TorchSharp.DeviceType.CPU ? flat.contiguous() : flat.cpu();
            fixed (byte* bytes = host.bytes)   // a Span: a bucket stays far below 2 GB
                world.AllReduceSum((float*)bytes, host.numel(), "the gradient all-reduce");
            long offset = 0;
            foreach (var g in bucket)
            {
                g.copy_(host.narrow(0, offset, g.numel()).view_as(g));
                offset += g.numel();
            }
            start = end;
        }
    }
}

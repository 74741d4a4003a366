namespace SemiDpo.Torch;

/// <summary>
/// Frees what waits for the .NET garbage collector after a step that drops gigabytes at once: tensors replaced without
/// Dispose (a module moved to another dtype) and the managed byte copies TorchSharp makes of each tensor it writes or
/// reads (a full SD1.5 checkpoint is 10.3 GB of them). Left to the GC's own schedule they stay resident: the first
/// full fine-tuning run at SD1.5's size was killed at 21 GB resident by its first checkpoint.
/// </summary>
public static class TorchGarbage
{
    public static void Release()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect();
    }
}

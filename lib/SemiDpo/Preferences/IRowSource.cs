using static TorchSharp.torch;

namespace SemiDpo.Preferences;

/// <summary>
/// Rows of a <see cref="PairRows"/> that are read when a batch asks for them instead of held as tensors (the images of
/// <see cref="ShardImages"/>). Each owner disposes its own source; <see cref="Share"/> gives another owner.
/// </summary>
public interface IRowSource : IDisposable
{
    long Count { get; }

    /// <summary>The shape of one row.</summary>
    long[] RowShape { get; }

    /// <summary>The listed rows (0 ≤ row &lt; <see cref="Count"/>), in their order, as one new tensor.</summary>
    Tensor Read(IReadOnlyList<long> rows);

    /// <summary>Another owner of the same rows, disposed separately (the rows stay readable until every owner is).</summary>
    IRowSource Share();
}

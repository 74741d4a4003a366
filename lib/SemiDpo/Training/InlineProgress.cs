namespace SemiDpo.Training;

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously on the working thread (Progress&lt;T&gt; posts to a context).</summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

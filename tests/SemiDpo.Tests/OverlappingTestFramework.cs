using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("SemiDpo.Tests.OverlappingTestFramework", "SemiDpo.Tests")]

namespace SemiDpo.Tests;

/// <summary>
/// xunit's own framework with one change to when collections run. xunit runs the collections that disable
/// parallelization (<see cref="TorchRandomCollection"/>) one at a time after every parallel collection has finished,
/// so the torch-generator tests would wait for the notebooks (≈ 16 minutes of child processes) and then run alone on a
/// 2-core CI machine. Here they wait only for the in-process collections: the child-process collection
/// (<see cref="ChildProcessCollection"/>) runs from the start to its end beside everything else.
/// </summary>
public sealed class OverlappingTestFramework(IMessageSink diagnosticMessageSink) : XunitTestFramework(diagnosticMessageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        protected override async void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink,
            ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new Runner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    sealed class Runner(ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnosticMessageSink,
        IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnosticMessageSink, executionMessageSink, executionOptions)
    {
        /// <summary>
        /// xunit's own scheduling (its limit on parallel tests, then the collections that run alone) for everything but
        /// the child-process collection, which starts at once and runs beside it to its end.
        /// </summary>
        protected override async Task<RunSummary> RunTestCollectionsAsync(IMessageBus messageBus, CancellationTokenSource cancellationTokenSource)
        {
            if (ExecutionOptions.DisableParallelization() == true) return await base.RunTestCollectionsAsync(messageBus, cancellationTokenSource);
            var childProcesses = OrderTestCollections().Where(c => c.Item1.DisplayName == ChildProcessCollection.Name)
                .Select(c => Task.Run(() => RunTestCollectionAsync(messageBus, c.Item1, c.Item2, cancellationTokenSource))).ToList();
            TestCollectionOrderer = new Without(TestCollectionOrderer);
            var summaries = new List<RunSummary> { await base.RunTestCollectionsAsync(messageBus, cancellationTokenSource) };
            summaries.AddRange(await Task.WhenAll(childProcesses));
            return new RunSummary { Total = summaries.Sum(s => s.Total), Failed = summaries.Sum(s => s.Failed), Skipped = summaries.Sum(s => s.Skipped) };
        }

        /// <summary>The collections xunit schedules: all but the child-process one.</summary>
        sealed class Without(ITestCollectionOrderer inner) : ITestCollectionOrderer
        {
            public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
                inner.OrderTestCollections(testCollections.Where(c => c.DisplayName != ChildProcessCollection.Name));
        }
    }
}

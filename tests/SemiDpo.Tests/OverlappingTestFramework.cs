using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("SemiDpo.Tests.OverlappingTestFramework", "SemiDpo.Tests")]

namespace SemiDpo.Tests;

/// <summary>
/// xunit's own framework with one change to when collections run. xunit runs the collections that disable
/// parallelization (<see cref="TorchRandomCollection"/>) one at a time after every parallel collection has finished,
/// so the torch-generator tests would wait for the notebooks (≈ 16 minutes of child processes) and then run alone on a
/// 2-core CI machine. Here they wait only for the in-process collections: the child-process collections
/// (<see cref="ChildProcessCollection"/>) run from the start to their end beside everything else.
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
        protected override async Task<RunSummary> RunTestCollectionsAsync(IMessageBus messageBus, CancellationTokenSource cancellationTokenSource)
        {
            if (ExecutionOptions.DisableParallelization() == true) return await base.RunTestCollectionsAsync(messageBus, cancellationTokenSource);

            var (childProcesses, inProcess, alone) = (new List<Task<RunSummary>>(), new List<Task<RunSummary>>(), new List<Func<Task<RunSummary>>>());
            foreach (var (collection, cases) in OrderTestCollections())
            {
                Task<RunSummary> Run() => RunTestCollectionAsync(messageBus, collection, cases, cancellationTokenSource);
                if (ChildProcessCollection.Contains(collection.DisplayName)) childProcesses.Add(Task.Run(Run));
                else if (RunsAlone(collection)) alone.Add(Run);
                else inProcess.Add(Task.Run(Run));
            }
            var summaries = new List<RunSummary>(await Task.WhenAll(inProcess));
            foreach (var run in alone)
            {
                if (cancellationTokenSource.IsCancellationRequested) break;
                summaries.Add(await Task.Run(run));
            }
            summaries.AddRange(await Task.WhenAll(childProcesses));
            return new RunSummary { Total = summaries.Sum(s => s.Total), Failed = summaries.Sum(s => s.Failed), Skipped = summaries.Sum(s => s.Skipped) };
        }

        static bool RunsAlone(ITestCollection collection) =>
            collection.CollectionDefinition?.GetCustomAttributes(typeof(CollectionDefinitionAttribute)).SingleOrDefault()
                ?.GetNamedArgument<bool>(nameof(CollectionDefinitionAttribute.DisableParallelization)) == true;
    }
}

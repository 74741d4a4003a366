using System.Text.Json;
using SemiDpo.Data;
using SemiDpo.Diffusion;
using SemiDpo.Distributed;
using SemiDpo.Pretrained;
using SemiDpo.Rewards;
using SemiDpo.Torch;
using SemiDpo.Training;
using Spectre.Console.Cli;

namespace SemiDpo.Cli.Common;

/// <summary>
/// semidpo's exit codes, and the one place where an exception becomes a one-line message on stderr and a code:
/// 0 success; 1 a known input or data error (the message names the file, row or option); 2 a usage error (unknown
/// option, bad value); 3 interrupted (Ctrl+C or SIGTERM) — run the same command again to resume; 70 an internal
/// error, a bug: the only case that prints a stack trace.
/// </summary>
public static class ExitCodes
{
    public const int Success = 0, InputError = 1, UsageError = 2, Interrupted = 3, InternalError = 70;

    public static int Handle(Exception exception, TextWriter error)
    {
        var e = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : exception;
        DataParallel.Failed();
        switch (e)
        {
            case CommandParseException or CommandRuntimeException:
                error.WriteLine($"semidpo: {e.Message} (see --help)");
                return UsageError;
            case OperationCanceledException:
                error.WriteLine("semidpo: interrupted; run the same command again to resume where its last checkpoint or output left off.");
                return Interrupted;
            case var known when IsInputError(known):
                error.WriteLine($"semidpo: {(DataParallel.JoinedAs is { } rank && !known.Message.StartsWith("rank ", StringComparison.Ordinal) ? rank + ": " : "")}{OneLine(known.Message)}");
                return InputError;
            default:
                error.WriteLine($"semidpo: internal error (a bug; please report it with what follows): {e}");
                return InternalError;
        }
    }

    static bool IsInputError(Exception e) => e is PreferenceDataException or ScoreFileException or ModelFormatException or CheckpointException
        or TrainingException or TorchRuntimeException or JsonException or ArgumentException or FormatException or IOException
        or UnauthorizedAccessException or InvalidDataException or OutOfMemoryException or DataParallelException or DllNotFoundException;

    public static string OneLine(string message) => string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

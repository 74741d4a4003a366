using SemiDpo.Diffusion;
using SemiDpo.Losses;
using SemiDpo.Distributed;
using static TorchSharp.torch;

namespace SemiDpo.Training;

/// <summary>
/// What every stage trainer (<see cref="DpoTrainer"/>, <see cref="Baselines.DiffusionDroTrainer"/>) keeps the same: AdamW over
/// the trained parameters (LoRA: the adapters only), the stage's own generator, a resume from its checkpoint (weights,
/// optimizer, step, log, RNG and a stateful loss's state), and at the end of each step the warm-up rate, the guarded
/// optimizer step, the log, the progress report and the periodic checkpoint.
/// </summary>
internal sealed class TrainingStage : IDisposable
{
    readonly string name;
    readonly DpoTrainConfig config;
    readonly IDiffusionModel policy;
    readonly string runJson;
    readonly string? checkpoint;
    readonly IStatefulPreferenceLoss? stateful;
    readonly List<TorchSharp.Modules.Parameter> parameters;
    readonly TorchSharp.Modules.OptimizerHelper optimizer;

    public TrainingStage(string name, DpoTrainConfig config, IDiffusionModel policy, string runJson, string? checkpoint, IStatefulPreferenceLoss? stateful = null)
    {
        (this.name, this.config, this.policy, this.runJson, this.checkpoint, this.stateful) = (name, config, policy, runJson, checkpoint, stateful);
        parameters = policy.Network.parameters().Where(p => p.requires_grad).ToList();
        optimizer = new AdamW(parameters, config.PeakLearningRate, weightDecay: config.WeightDecay);
        // The stage's own generator draws its noise (and latent samples): a run does not depend on, nor change, torch's global random state.
        Generator = new Generator((ulong)config.Seed);
        Log = new TrainingLog(name, [], []);
        stateful?.Start(policy);
        if (checkpoint is not null && File.Exists(checkpoint))
        {
            var header = policy.Resume(checkpoint, optimizer, runJson, Generator);
            Step = header.Step;
            Log.Loss.AddRange(header.Loss ?? []);
            Log.Accuracy.AddRange(header.Accuracy ?? []);
            if (stateful is not null)
                stateful.LoadState(header.LossState ?? throw new CheckpointException(checkpoint, $"has no state for {stateful.Name}: written by an older version, or for another loss."));
        }
        AgreeOnStart();
    }

    /// <summary>Under MPI every rank must start (or resume) at the same step: a rank that cannot see rank 0's checkpoints would silently train on.</summary>
    void AgreeOnStart()
    {
        var world = DataParallel.World;
        if (!world.IsDistributed) return;
        var steps = new double[world.Size];
        steps[world.Rank] = Step;
        world.AllReduceSum(steps, $"{name}'s start");
        if (steps.Distinct().Count() > 1)
            throw new DataParallelException($"rank {world.Rank} of {world.Size}: {name} starts at step {string.Join(", ", steps)} on ranks 0…{world.Size - 1}: every rank must see the same --out folder (a shared file system).");
    }

    public Generator Generator { get; }
    public TrainingLog Log { get; }

    /// <summary>Optimizer steps done (the one in progress once <see cref="Next"/> has been called).</summary>
    public long Step { get; private set; }

    /// <summary>Starts the next step; false when the stage is complete.</summary>
    public bool Next(CancellationToken cancellation)
    {
        if (Step >= config.Steps) return false;
        cancellation.ThrowIfCancellationRequested();
        Step++;
        return true;
    }

    /// <summary>The error for a non-finite loss: the step, what was in the batch, the weights untouched and the last good checkpoint.</summary>
    public TrainingException NonFinite(float value, string batch) => NonFinite($"loss is {value}{batch}");

    /// <summary>The same, with the finding spelt out (e.g. which pairs, or that another rank found it).</summary>
    public TrainingException NonFinite(string finding) =>
        new($"{name} step {Step}: {finding}; weights not updated; last good checkpoint: {(checkpoint is not null && File.Exists(checkpoint) ? checkpoint : "none")}.");

    /// <summary>The trained parameters (their gradients are summed across ranks before the step).</summary>
    public IReadOnlyList<TorchSharp.Modules.Parameter> Parameters => parameters;

    /// <summary>Applies the accumulated gradients and records the step.</summary>
    public void EndStep(double loss, double accuracy, IProgress<TrainingProgress>? progress, double? modelLoss = null, double? referenceLoss = null)
    {
        var rate = OptimizerStep.WarmupRate(config.PeakLearningRate, Step, config.WarmupSteps);
        OptimizerStep.Apply(optimizer, parameters, rate, config.GradientClip, $"{name} step {Step}");
        stateful?.AfterOptimizerStep(policy);
        Log.Loss.Add(loss);
        Log.Accuracy.Add(accuracy);
        progress?.Report(new TrainingProgress(name, Step, config.Steps, loss, accuracy, rate, modelLoss, referenceLoss));
        if (checkpoint is not null && ((config.CheckpointEvery > 0 && Step % config.CheckpointEvery == 0) || Step == config.Steps))
        {
            // Rank 0 writes; the others wait until it is on disk, so a rank that reads it next (a resume) finds it whole.
            var world = DataParallel.World;
            if (world.IsRoot) policy.Save(checkpoint, optimizer, Step, runJson, (Log.Loss, Log.Accuracy), Generator, stateful?.SaveState());
            world.Barrier($"{name} step {Step}'s checkpoint");
        }
    }

    public void Dispose()
    {
        optimizer.Dispose();
        Generator.Dispose();
    }
}

using SemiDpo.Cli.Bench;
using SemiDpo.Cli.Commands;
using SemiDpo.Cli.Common;
using Spectre.Console.Cli;

namespace SemiDpo.Cli;

/// <summary>The <c>semidpo</c> command tree (one place, so that tests can run every command's help).</summary>
public static class SemiDpoCommandApp
{
    public static CommandApp Create()
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("semidpo");
            config.SetExceptionHandler((e, _) => ExitCodes.Handle(e, Console.Error));
            config.UseStrictParsing();
            config.AddCommand<ReproduceCommand>("reproduce")
                .WithDescription("The whole miniature reproduction: world, judges, consensus filter, Iter0/1/2 and baselines, evaluation, the paper's tables and charts.")
                .WithExample("reproduce", "--quick").WithExample("reproduce", "--seeds", "5");
            config.AddCommand<SweepCommand>("sweep")
                .WithDescription("Poly-DPO's α or cDPO's ε over several values on the reproduction's world and budget: clean-test accuracy (what you select on) beside the truth.")
                .WithExample("sweep", "--method", "poly", "--values", "-1,0,1,2,4,8").WithExample("sweep", "--method", "cdpo");
            config.AddCommand<DoctorCommand>("doctor")
                .WithDescription("Check the environment: TorchSharp and libtorch, the Debian 12 compat patch, device, threads, notebook tool.");
            config.AddBranch("selfcheck", selfcheck =>
            {
                selfcheck.SetDescription("Run a path of the toolkit end to end on generated inputs and report time and memory.");
                selfcheck.AddCommand<SelfcheckCommand>("sd15")
                    .WithDescription("The real path at Stable Diffusion 1.5's size on random weights (CPU): folder → sample → filter → latents → train LoRA and full with kill -9 and resume → export → sample; time and peak memory per step.")
                    .WithExample("selfcheck", "sd15", "--out", "/tmp/selfcheck").WithExample("selfcheck", "sd15", "--size", "tiny");
            });
            config.AddBranch("world", world =>
            {
                world.SetDescription("The miniature world: procedural prompts, images, pixel oracle and simulated annotators.");
                world.AddCommand<WorldBuildCommand>("build").WithDescription("Render a world to Pick-a-Pic v2 style parquet (+ ground truth).")
                    .WithExample("world", "build", "--out", "data/cache/world", "--pairs", "20000", "--seed", "1");
                world.AddCommand<WorldStatsCommand>("stats").WithDescription("Read a world back and print its Pick-a-Pic-likeness statistics.");
            });
            config.AddBranch("judges", judges =>
            {
                judges.SetDescription("The world's reward models (MiniClip, MiniAesthetic, MiniHps, MiniImageReward, MiniPickScore).");
                judges.AddCommand<JudgesTrainCommand>("train").WithDescription("Train the learned judges; writes weights and a SHA-256 manifest.");
                judges.AddCommand<JudgesMatrixCommand>("matrix").WithDescription("Table-6-style specialisation matrix of the judges on a world.");
            });
            config.AddBranch<JudgeInputSettings>("filter", filter =>
            {
                filter.SetDescription("Stage 1: multi-reward consensus filtering into clean / noisy sets.");
                filter.SetDefaultCommand<FilterCommand>();
                filter.AddCommand<FilterAblateCommand>("ablate").WithDescription("K-ablation (Table 5) and every judge subset: clean size vs label accuracy.");
            });
            config.AddCommand<ScoreCommand>("score")
                .WithDescription("Stage 1 with the real reward models (CLIP, LAION aesthetic, PickScore, HPSv2, ONNX judges): scores_rank{r:03d}.jsonl as the official pipeline writes it; resumable, sharded.")
                .WithExample("score", "--judges", "clip=/models/clip-vit-large-patch14,aesthetic=/models/sac+logos+ava1-l14-linearMSE.pth,pickscore=/models/PickScore_v1,hps=/models/HPS_v2_compressed.pt", "--in", "pickapic/train-00000.parquet");
            config.AddCommand<LatentsCommand>("latents")
                .WithDescription("Encode every image of the Stage-2 sets once through a Stable Diffusion VAE into a latent cache that `train --model` reads; resumable, sharded.")
                .WithExample("latents", "--filter", "data/cache/filter", "--model", "stable-diffusion-v1-5", "--device", "cuda");
            config.AddCommand<PretrainCommand>("pretrain")
                .WithDescription("Train the world's base diffusion model (resumable); writes weights + SHA-256 to data/base-model.");
            config.AddCommand<SampleCommand>("sample")
                .WithDescription("DDIM samples of a world checkpoint or a diffusers Stable Diffusion folder for one prompt, as a PNG grid.")
                .WithExample("sample", "--prompt", "two red circles on the left on a blue background", "-n", "16", "--out", "grid.png")
                .WithExample("sample", "--model", "stable-diffusion-v1-5", "--prompt", "an astronaut riding a horse", "--steps", "50", "--guidance", "7.5", "--size", "512", "--device", "cuda");
            config.AddCommand<ConfidenceCommand>("confidence")
                .WithDescription("One Stage-2 step alone: z per anchor of a model vs a reference, thresholds, pseudo-label counts and precision.");
            config.AddCommand<EvalCommand>("eval")
                .WithDescription("Sample held-out prompts from models and score them with the oracle and the judges, beside noise and the world's generators.");
            config.AddCommand<TrainCommand>("train")
                .WithDescription("Stage 2: Iter0 on the clean pairs, then iterations with pseudo-labels (reads `semidpo filter` output).")
                .WithExample("train", "--iterations", "3");
            config.AddBranch("analyze", analyze =>
            {
                analyze.SetDescription("Analyses of trained models.");
                analyze.AddCommand<AnalyzeVarianceCommand>("variance").WithDescription("The variance bound (Eq. 7) beside the variance of per-pair gradients: clean, noisy, pseudo-labelled.");
            });
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Benchmarks that print rates and ratios.");
                bench.AddCommand<BenchDpoStepCommand>("dpo-step").WithDescription("One Diffusion-DPO training step here vs the PyTorch peer (bench/dpo_step.py): step-time ratio and peak memory.");
                bench.AddCommand<BenchSdStepCommand>("sd-step").WithDescription("One Diffusion-DPO step of our Stable Diffusion UNet vs diffusers' UNet2DConditionModel (bench/sd_dpo_step.py): ratio and peak memory.");
                bench.AddCommand<BenchLoraCommand>("lora").WithDescription("One Diffusion-DPO step of the SD-shaped UNet trained in full vs through LoRA (reference = adapters off): trained parameters, peak memory, step-time ratio.");
                bench.AddCommand<BenchClipScoreCommand>("clip-score").WithDescription("CLIP scoring (text tower, image tower, cosine) here vs openai/CLIP's model.py (bench/clip_score.py): images/s ratio.");
                bench.AddCommand<BenchAllReduceCommand>("allreduce").WithDescription("Under mpiexec -n N: the gradient all-reduce of one step for SD1.5's UNet (3.44 GB) and its LoRA rank 4: median time and rate.");
                bench.AddCommand<BenchDataParallelCommand>("data-parallel").WithDescription("Iter0 on the world by mpiexec -n R (1 thread each) vs 1 process with R threads, alternating rounds: ratio of wall times.");
                bench.AddCommand<BenchFilterCommand>("filter").WithDescription("Consensus filtering of N synthetic pre-scored pairs (pairs/s).");
            });
        });
        return app;
    }
}

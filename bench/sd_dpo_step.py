"""PyTorch peer of `semidpo bench sd-step`: one Diffusion-DPO training step of diffusers' UNet2DConditionModel (policy
and frozen reference forwards on winner + loser latents, backward, clip, AdamW), timed the same way as the C# side,
from the same config.json. Prints one JSON line. diffusers v0.25.1 (and huggingface_hub v0.20.3) come from REF, kept
outside the repository (see tests/fixtures/make_sd_fixture.py for how to fill it):

    /usr/bin/python3 bench/sd_dpo_step.py --reference REF --config unet.json --batch 4 --latent 32 --steps 5 --threads 2
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_stubs  # noqa: E402
from peer_timing import dpo_step, report, time_steps  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--reference", required=True, help="folder with src/diffusers and src/huggingface_hub")
parser.add_argument("--config", required=True, help="the UNet's config.json")
parser.add_argument("--batch", type=int, default=4)
parser.add_argument("--latent", type=int, default=32)
parser.add_argument("--tokens", type=int, default=77)
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--warmup", type=int, default=3)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--lora-rank", type=int, default=0, help="train LoRA adapters of this rank on to_q/to_k/to_v/to_out.0 (alpha = rank) against the same UNet with them off")
parser.add_argument("--gradient-checkpointing", action="store_true", help="unet.enable_gradient_checkpointing() (diffusers recomputes each resnet and transformer in the backward)")
parser.add_argument("--mixed-precision", action="store_true", help="forwards under torch.autocast(bfloat16), outputs back to float32 (accelerate's mixed_precision='bf16')")
args = parser.parse_args()

if args.mixed_precision:
    # CUDA's autocast runs group_norm and layer_norm in float32; PyTorch 1.13's CPU autocast does not list them and
    # fails on a bfloat16 input with float32 weights, so they take float32 inputs here, as on the official GPUs.
    import torch.nn.functional as F
    _group_norm, _layer_norm = F.group_norm, F.layer_norm
    F.group_norm = lambda x, *a, **k: _group_norm(x.float(), *a, **k)
    F.layer_norm = lambda x, *a, **k: _layer_norm(x.float(), *a, **k)

reference_stubs.install(os.path.abspath(args.reference))
from diffusers import UNet2DConditionModel  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)
with open(args.config) as f:
    config = json.load(f)
policy = UNet2DConditionModel.from_config(config)
if args.lora_rank > 0:
    # diffusers 0.25.1 without peft: attention projections are LoRACompatibleLinear; cross_attention_kwargs scale 0 turns
    # the adapters off for the reference forward (the official LoRA runs' adapters_disabled), so no second UNet exists.
    from diffusers.models.lora import LoRALinearLayer  # noqa: E402
    policy.requires_grad_(False)
    for name, module in policy.named_modules():
        if name.endswith(("to_q", "to_k", "to_v", "to_out.0")):
            module.set_lora_layer(LoRALinearLayer(module.in_features, module.out_features, args.lora_rank, args.lora_rank))
    policy.train()

    class AdaptersOff:
        def __call__(self, xt, t, encoder_hidden_states):
            return policy(xt, t, encoder_hidden_states=encoder_hidden_states, cross_attention_kwargs={"scale": 0.0})

    reference = AdaptersOff()
else:
    reference = UNet2DConditionModel.from_config(config)
    reference.load_state_dict(policy.state_dict())
    reference.eval()
    for p in reference.parameters():
        p.requires_grad_(False)
if args.gradient_checkpointing:
    policy.enable_gradient_checkpointing()
optimizer = torch.optim.AdamW([p for p in policy.parameters() if p.requires_grad], lr=1e-5, weight_decay=1e-2)
betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
alphas_cumprod = torch.cumprod(1 - betas, 0)
sqrt_a, sqrt_1ma = alphas_cumprod.sqrt().float(), (1 - alphas_cumprod).sqrt().float()

b, c, s = args.batch, config["in_channels"], args.latent
winners, losers = torch.randn(b, c, s, s), torch.randn(b, c, s, s)
context = torch.randn(b, args.tokens, config["cross_attention_dim"])


def forward(model, xt, t, c):
    if not args.mixed_precision:
        return model(xt, t, encoder_hidden_states=c).sample
    with torch.autocast("cpu", dtype=torch.bfloat16):
        return model(xt, t, encoder_hidden_states=c).sample.float()


def step(mark):
    dpo_step(mark, forward, policy, reference, optimizer, winners, losers, context, (sqrt_a, sqrt_1ma))


times, phases = time_steps(step, args.warmup, args.steps)
trained = sum(p.numel() for p in policy.parameters() if p.requires_grad)
report(f"diffusers 0.25.1 on PyTorch {torch.__version__}" + (f", LoRA rank {args.lora_rank} ({trained:,} trained)" if args.lora_rank else "")
       + (", gradient checkpointing" if args.gradient_checkpointing else "") + (", bfloat16 autocast" if args.mixed_precision else ""), times, phases)

"""PyTorch peer of `semidpo bench dpo-step`: one Diffusion-DPO training step of TinyUNet (policy and reference
forwards on winners + losers, backward, AdamW), timed the same way. Prints one JSON line.

    /usr/bin/python3 bench/dpo_step.py --batch 16 --steps 20 --threads 2
"""
import argparse

import torch

from peer_timing import dpo_step, report, time_steps
from tiny_unet import TinyUNet, sqrt_alphas_cumprod_tables

parser = argparse.ArgumentParser()
parser.add_argument("--batch", type=int, default=16)
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--warmup", type=int, default=3)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--channels", type=int, default=32)
parser.add_argument("--mkldnn", type=int, default=1, help="torch.backends.mkldnn.enabled")
args = parser.parse_args()

torch.set_num_threads(args.threads)
torch.backends.mkldnn.enabled = bool(args.mkldnn)
torch.manual_seed(0)
policy = TinyUNet(channels=args.channels, text_width=64, vocabulary=36)
reference = TinyUNet(channels=args.channels, text_width=64, vocabulary=36)
reference.load_state_dict(policy.state_dict())
reference.eval()
for p in reference.parameters():
    p.requires_grad_(False)
optimizer = torch.optim.AdamW(policy.parameters(), lr=1e-5, weight_decay=1e-2)
tables = sqrt_alphas_cumprod_tables()

b = args.batch
winners, losers = torch.rand(b, 3, 32, 32) * 2 - 1, torch.rand(b, 3, 32, 32) * 2 - 1
tokens = torch.randint(2, 36, (b, 12))


def step(mark):
    dpo_step(mark, lambda model, xt, t, c: model(xt, t, c), policy, reference, optimizer, winners, losers, tokens, tables)


times, phases = time_steps(step, args.warmup, args.steps)
report(f"PyTorch {torch.__version__}", times, phases)

"""PyTorch twin of lib/SemiDpo/Diffusion/TinyUNet.cs: the same modules, parameter names and arithmetic.

Used by the speed peer (bench/dpo_step.py) and by the Diffusion-DPO cross-check fixture
(tests/fixtures/make_dpo_fixture.py). Keep it in step with the C# model: the cross-check test fails otherwise.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MAX_TOKENS = 12  # CaptionTokenizer.MaxLength


class TimestepEmbedding(nn.Module):
    def __init__(self, channels, width):
        super().__init__()
        self.channels = channels
        self.mlp = nn.Sequential(nn.Linear(channels, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, t):
        dtype = self.mlp[0].weight.dtype
        half = self.channels // 2
        frequencies = torch.exp(torch.arange(half, dtype=dtype, device=t.device) * (-math.log(10_000) / half))
        angles = t.to(dtype)[:, None] * frequencies[None, :]
        return self.mlp(torch.cat([torch.sin(angles), torch.cos(angles)], 1))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, embedding):
        super().__init__()
        self.norm1 = nn.GroupNorm(min(8, cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.timeShift = nn.Linear(embedding, cout)
        self.norm2 = nn.GroupNorm(min(8, cout), cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, embedding):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.timeShift(F.silu(embedding))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class CrossAttention(nn.Module):
    def __init__(self, channels, context, heads=4):
        super().__init__()
        self.norm = nn.GroupNorm(min(8, channels), channels)
        self.attention = nn.MultiheadAttention(channels, heads, kdim=context, vdim=context)

    def forward(self, x, context):
        b, c, h, w = x.shape
        queries = self.norm(x).flatten(2).permute(2, 0, 1)
        keys = context.transpose(0, 1)
        attended, _ = self.attention(queries, keys, keys, need_weights=False)
        return x + attended.permute(1, 2, 0).reshape(b, c, h, w)


class TextEncoder(nn.Module):
    def __init__(self, vocabulary, width, heads=4):
        super().__init__()
        self.words = nn.Embedding(vocabulary, width, padding_idx=0)
        self.positions = nn.Parameter(torch.randn(MAX_TOKENS, width) * 0.02)
        self.norm = nn.LayerNorm(width)
        self.attention = nn.MultiheadAttention(width, heads)
        self.feedForward = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

    def forward(self, tokens):
        h = self.words(tokens) + self.positions
        q = self.norm(h).transpose(0, 1)
        attended, _ = self.attention(q, q, q, need_weights=False)
        h = h + attended.transpose(0, 1)
        return h + self.feedForward(h)


class TinyUNet(nn.Module):
    def __init__(self, channels=32, text_width=64, vocabulary=36):
        super().__init__()
        c, e, d = channels, 4 * channels, text_width
        self.text = TextEncoder(vocabulary, d)
        self.time = TimestepEmbedding(c, e)
        self.inputConv = nn.Conv2d(3, c, 3, padding=1)
        self.down1 = ResBlock(c, c, e)
        self.downsample1 = nn.Conv2d(c, c, 3, stride=2, padding=1)
        self.down2 = ResBlock(c, 2 * c, e)
        self.downsample2 = nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1)
        self.middle1 = ResBlock(2 * c, 2 * c, e)
        self.middleAttention = CrossAttention(2 * c, d)
        self.middle2 = ResBlock(2 * c, 2 * c, e)
        self.up2 = ResBlock(4 * c, c, e)
        self.upAttention = CrossAttention(c, d)
        self.up1 = ResBlock(2 * c, c, e)
        self.outputNorm = nn.GroupNorm(8, c)
        self.outputConv = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x, t, tokens):
        context = self.text(tokens)
        embedding = self.time(t)
        h1 = self.down1(self.inputConv(x), embedding)
        h2 = self.down2(self.downsample1(h1), embedding)
        h = self.middle1(self.downsample2(h2), embedding)
        h = self.middle2(self.middleAttention(h, context), embedding)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.upAttention(self.up2(torch.cat([h, h2], 1), embedding), context)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.up1(torch.cat([h, h1], 1), embedding)
        return self.outputConv(F.silu(self.outputNorm(h)))


def sqrt_alphas_cumprod_tables(timesteps=1000, beta_start=0.00085, beta_end=0.012):
    """NoiseSchedule.cs: scaled-linear betas in float64, square roots stored as float32 tables."""
    sqrt_betas = np.linspace(math.sqrt(beta_start), math.sqrt(beta_end), timesteps, dtype=np.float64)
    alphas_cumprod = np.cumprod(1 - sqrt_betas ** 2)
    return (torch.from_numpy(np.sqrt(alphas_cumprod).astype(np.float32)),
            torch.from_numpy(np.sqrt(1 - alphas_cumprod).astype(np.float32)))


def dpo_logit(policy, reference, winners, losers, tokens, t, noise, beta, tables):
    """DiffusionDpoLoss.Compute: one t and one ε for winner and loser, batched [winners; losers]."""
    sqrt_a, sqrt_1ma = tables
    x0 = torch.cat([winners, losers])
    eps = torch.cat([noise, noise])
    tt = torch.cat([t, t])
    tok = torch.cat([tokens, tokens])
    xt = sqrt_a[tt].view(-1, 1, 1, 1).to(x0) * x0 + sqrt_1ma[tt].view(-1, 1, 1, 1).to(x0) * eps
    policy_error = (policy(xt, tt, tok) - eps).pow(2).mean(dim=(1, 2, 3))
    with torch.no_grad():
        reference_error = (reference(xt, tt, tok) - eps).pow(2).mean(dim=(1, 2, 3))
    pw, pl = policy_error.chunk(2)
    rw, rl = reference_error.chunk(2)
    return beta * ((rw - rl) - (pw - pl))

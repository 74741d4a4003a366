"""PyTorch peer of `semidpo bench clip-score`: CLIP scoring (text tower, image tower, cosine) of openai/CLIP's model.py
on a batch of preprocessed images, timed the same way as the C# side, for the same architecture. Prints one JSON line.
openai/CLIP's clip/model.py comes from REF (see tests/fixtures/make_clip_fixture.py):

    /usr/bin/python3 bench/clip_score.py --reference REF --width 768 --layers 12 --vision-width 768 --vision-layers 12 --patch 32 --image 224 --batch 32
"""
import argparse
import importlib.util
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import report, time_steps  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--reference", required=True)
parser.add_argument("--width", type=int, default=512)
parser.add_argument("--heads", type=int, default=8)
parser.add_argument("--layers", type=int, default=12)
parser.add_argument("--vision-width", type=int, default=768)
parser.add_argument("--vision-layers", type=int, default=12)
parser.add_argument("--patch", type=int, default=32)
parser.add_argument("--image", type=int, default=224)
parser.add_argument("--embed", type=int, default=512)
parser.add_argument("--vocab", type=int, default=49408)
parser.add_argument("--batch", type=int, default=32)
parser.add_argument("--steps", type=int, default=5)
parser.add_argument("--warmup", type=int, default=3)
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()

spec = importlib.util.spec_from_file_location("clip_model", os.path.join(args.reference, "clip", "model.py"))
clip_model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(clip_model)
torch.set_num_threads(args.threads)
torch.manual_seed(0)
model = clip_model.CLIP(embed_dim=args.embed, image_resolution=args.image, vision_layers=args.vision_layers, vision_width=args.vision_width,
                        vision_patch_size=args.patch, context_length=77, vocab_size=args.vocab, transformer_width=args.width,
                        transformer_heads=args.heads, transformer_layers=args.layers).eval()
pixels = torch.randn(args.batch, 3, args.image, args.image)
ids = torch.randint(0, args.vocab - 2, (args.batch, 77))
ids[:, 20] = args.vocab - 1


def step(mark):
    with torch.no_grad():
        mark()
        text = model.encode_text(ids)
        mark()
        image = model.encode_image(pixels)
        mark()
        (torch.nn.functional.normalize(text, dim=-1) * torch.nn.functional.normalize(image, dim=-1)).sum(1).tolist()
        mark()


times, phases = time_steps(step, args.warmup, args.steps, ["text tower", "image tower", "cosine"])
report(f"openai/CLIP model.py on PyTorch {torch.__version__}", times, phases)

"""Checks that a folder written by `semidpo train --export` (or `selfcheck`) is what diffusers' from_pretrained loads:
every component model_index.json names exists; the diffusers components (UNet, VAE, scheduler) load with diffusers'
own from_pretrained with no missing, unexpected or mismatched weights; the transformers components (text encoder,
tokenizer) are the source folder's files byte for byte (Debian packages no transformers, so they are compared, not
loaded — the source loads as it always did); and, with --lora DIR, the source UNet + that pytorch_lora_weights.safetensors
loaded by diffusers' LoRA loader equals the exported (merged) UNet within 1e-4. Run with the reference set-up of
tests/fixtures/make_sd_fixture.py (REF holds src/diffusers at v0.25.1 and src/huggingface_hub at v0.20.3):

    /usr/bin/python3 bench/check_export.py REF EXPORT_DIR SOURCE_DIR [--lora T/iter0-lora]
"""
import filecmp
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
if len(sys.argv) < 4:
    sys.exit(__doc__)
REF, EXPORT, SOURCE = (os.path.abspath(a) for a in sys.argv[1:4])
LORA = sys.argv[sys.argv.index("--lora") + 1] if "--lora" in sys.argv else None
sys.path.insert(0, HERE)
import reference_stubs  # noqa: E402

reference_stubs.install(REF)
import diffusers  # noqa: E402
from diffusers.loaders.lora import LoraLoaderMixin  # noqa: E402

with open(os.path.join(EXPORT, "model_index.json")) as f:
    index = json.load(f)
loaded = {}
for name, spec in index.items():
    if name.startswith("_") or not isinstance(spec, list) or spec[0] is None:
        continue
    library, cls = spec
    folder = os.path.join(EXPORT, name)
    assert os.path.isdir(folder), f"{name}: model_index.json names it, the export has no {folder}"
    if library == "diffusers":
        component = getattr(diffusers, cls)
        if hasattr(component, "load_config") and not cls.endswith("Scheduler"):
            model, info = component.from_pretrained(folder, output_loading_info=True)
            problems = {k: v for k, v in info.items() if v}
            assert not problems, f"{name}: {problems}"
            loaded[name] = model.eval()
            print(f"{name}: {cls}.from_pretrained loads it, {sum(p.numel() for p in model.parameters()):,} weights, nothing missing or unexpected")
        else:
            component.from_pretrained(folder)
            print(f"{name}: {cls}.from_pretrained loads it")
    else:
        source = os.path.join(SOURCE, name)
        names = sorted(os.listdir(folder))
        same = all(filecmp.cmp(os.path.join(folder, n), os.path.join(source, n), shallow=False) for n in names)
        assert same, f"{name}: the export's files differ from {source}"
        print(f"{name}: {library} {cls}, the source's {len(names)} file(s) byte for byte")

if LORA:
    unet = diffusers.UNet2DConditionModel.from_pretrained(os.path.join(SOURCE, "unet")).eval()
    torch.manual_seed(0)
    c = unet.config
    sample = torch.randn(2, c.in_channels, c.sample_size, c.sample_size)
    context = torch.randn(2, 7, c.cross_attention_dim)
    t = torch.tensor([10, 800])
    with torch.no_grad():
        base = unet(sample, t, encoder_hidden_states=context).sample
    state_dict, alphas = LoraLoaderMixin.lora_state_dict(LORA)
    LoraLoaderMixin.load_lora_into_unet(state_dict, network_alphas=alphas, unet=unet)
    with torch.no_grad():
        a = unet(sample, t, encoder_hidden_states=context).sample
        b = loaded["unet"].to(torch.float32)(sample, t, encoder_hidden_states=context).sample
    diff = (a - b).abs().max().item()
    assert diff < 1e-4, f"source UNet + {LORA} differs from the exported UNet by {diff}"
    print(f"source UNet + {os.path.basename(LORA.rstrip('/'))} via diffusers' LoRA loader = the exported UNet (max |Δε| {diff:.2e}; "
          f"the LoRA moves ε by up to {(a - base).abs().max().item():.2e})")
print("OK")

"""Stand-ins for two packages the public reference code imports but Debian does not package, so that diffusers
(v0.25.1) and openai/CLIP run on Debian's python3-torch: `safetensors` (a plain reader/writer of the file format:
u64 header length, JSON header, raw little-endian data) and `ftfy` (fix_text returns its input: exact for text without
mojibake). Never the maths. `install(ref)` also puts the reference code's folder (src/diffusers, src/huggingface_hub,
clip/) on the import path.
"""
import importlib.machinery
import json
import os
import struct
import sys
import types

import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64", torch.int64: "I64", torch.uint8: "U8"}


def save_file(tensors, filename, metadata=None):
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        blob = t.view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(filename, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def load_file(filename, device="cpu"):
    with open(filename, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dtype = {v: k for k, v in DTYPES.items()}[e["dtype"]]
        a, b = e["data_offsets"]
        buf = bytearray(data[8 + n + a:8 + n + b])
        out[name] = torch.frombuffer(buf, dtype=torch.uint8).view(dtype).reshape(e["shape"]).clone()
    return out


def _stub(name, **members):
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    module.__dict__.update(members)
    sys.modules[name] = module
    return module


def install(ref):
    """Registers the stand-ins and puts REF/src (diffusers, huggingface_hub) and REF (clip/) on the path."""
    _stub("safetensors", torch=_stub("safetensors.torch", save_file=save_file, load_file=load_file))
    _stub("ftfy", fix_text=lambda text: text)
    sys.path[:0] = [os.path.join(ref, "src"), ref]


def openai_clip_model(ref):
    """openai/CLIP's clip/model.py from REF, loaded as a module without its package (which would import the tokenizer)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("clip_model", os.path.join(ref, "clip", "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def randomize_clip(model):
    """Random weights a tiny CLIP's outputs stay well scaled with: logit scale 2.3, norms near 1, the rest ~ 0.5/√fan-in."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 0:
                p.fill_(2.3)
            elif name.endswith("weight") and p.dim() == 1:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.5 * torch.randn_like(p) / max(1, p[0].numel()) ** 0.5)
    return model

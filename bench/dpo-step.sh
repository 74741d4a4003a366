#!/usr/bin/env bash
# Speed peer: one Diffusion-DPO step of TinyUNet in TorchSharp (this toolkit) and in PyTorch (Debian's python3-torch,
# installed here with apt when missing), same batch and threads; prints the step-time ratio and peak memory.
#   bash bench/dpo-step.sh [--batch 16] [--steps 10] [--rounds 2]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "installing python3-torch (PyTorch peer) with apt…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi
dotnet run --project lib/SemiDpo.Cli -c Release -- bench dpo-step "$@"

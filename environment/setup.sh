#!/usr/bin/env bash
# Idempotent set-up of a checkout: local dotnet tools (dotnet-repl for headless notebooks), NuGet packages, and a
# build, which also packs SemiDpo and SemiDpo.Interactive into artifacts/packages for the notebooks.
# Safe to run again at any time (the devcontainer runs it after creation).
# TORCH_BACKEND=cuda builds on TorchSharp-cuda-linux instead of TorchSharp-cpu (into obj-cuda/ and bin-cuda/; the GPU
# devcontainer sets it); every later dotnet command then needs the same -p:TorchBackend=cuda.
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${TORCH_BACKEND:-cpu}"
case "$backend" in cpu|cuda) ;; *) echo "TORCH_BACKEND must be cpu or cuda, not '$backend'." >&2; exit 2 ;; esac

dotnet tool restore
dotnet restore Notebooks.sln -p:TorchBackend="$backend"
dotnet build Notebooks.sln --no-restore -nologo -v:q -p:TorchBackend="$backend"
echo "Set-up done ($backend build). Check the environment with: dotnet run --project lib/SemiDpo.Cli -p:TorchBackend=$backend -- doctor"

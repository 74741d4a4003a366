#!/usr/bin/env bash
# Idempotent set-up of a checkout: local dotnet tools (dotnet-repl for headless notebooks), NuGet packages, and a
# build, which also packs SemiDpo and SemiDpo.Interactive into artifacts/packages for the notebooks.
# Safe to run again at any time (the devcontainer runs it after creation).
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet tool restore
dotnet restore Notebooks.sln
dotnet build Notebooks.sln --no-restore -nologo -v:q
echo "Set-up done. Check the environment with: dotnet run --project lib/SemiDpo.Cli -- doctor"

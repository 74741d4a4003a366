#!/usr/bin/env bash
# Executes notebooks through a real Jupyter client (nbconvert) and the .NET Interactive kernel, the way Jupyter users
# run them (the tests run them through dotnet-repl). Needs Debian's jupyter-nbconvert + python3-ipykernel
# (CI installs them) and the local dotnet-interactive tool (.config/dotnet-tools.json). Fails on the first cell error.
# Usage: environment/jupyter-notebooks.sh [notebook ...]   (default: 00-quickstart 00b-miniature-world 01-consensus-filtering)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v jupyter-nbconvert > /dev/null || { echo "jupyter-nbconvert is not installed (apt-get install jupyter-nbconvert python3-ipykernel)." >&2; exit 2; }

dotnet tool restore > /dev/null
mkdir -p "$(jupyter --data-dir)/kernels"
dotnet interactive jupyter install > /dev/null
notebooks=("$@")
[ ${#notebooks[@]} -gt 0 ] || notebooks=(00-quickstart 00b-miniature-world 01-consensus-filtering)
out=artifacts/notebooks-jupyter
mkdir -p "$out"
for name in "${notebooks[@]}"; do
  started=$(date +%s)
  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.kernel_name=.net-csharp \
    --output-dir "$out" "notebooks/${name%.ipynb}.ipynb" > "$out/${name%.ipynb}.log" 2>&1 \
    || { tail -n 30 "$out/${name%.ipynb}.log" >&2; echo "jupyter: ${name%.ipynb} failed" >&2; exit 1; }
  echo "jupyter: ${name%.ipynb} ran without error in $(( $(date +%s) - started )) s"
done

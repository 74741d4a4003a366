#!/usr/bin/env bash
# Prepares a checkout for a room without network (docs/workshop.md): the set-up (tools, restore, build + pack), one
# notebook executed headless so that the notebooks' own `#r "nuget: ..."` restore lands in the NuGet cache, and the
# quick reproduction once so that the Release build exists. Run it online; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash environment/setup.sh
mkdir -p artifacts/notebooks
(cd notebooks && dotnet repl --run 00-quickstart.ipynb --exit-after-run --output-path ../artifacts/notebooks/00-quickstart.ipynb --output-format ipynb)
dotnet run --project lib/SemiDpo.Cli -c Release -- reproduce --quick --out artifacts/reproduce-quick
echo "Ready for offline use. Open notebooks/00-quickstart.ipynb once in VS Code while still online (the Polyglot Notebooks extension fetches its kernel then)."

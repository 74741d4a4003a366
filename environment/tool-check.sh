#!/usr/bin/env bash
# Packs `semidpo` as this platform's tool package, installs it from that local pack into a temporary tool folder and
# uses it from an empty folder: the committed judges and base model must come with the tool (hash-checked), nothing
# may be read from the checkout. CI runs it; `semidpo reproduce --quick` works the same way (about 2 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet pack lib/SemiDpo.Cli -c Release -p:ToolPackageRuntimeIdentifiers=linux-x64 -o "$work/pack" -nologo -v:q > "$work/pack.log" 2>&1 \
  || { tail -n 20 "$work/pack.log" >&2; exit 1; }
dotnet tool install SemiDpo.Cli --version 0.1.0 --tool-path "$work/tools" --add-source "$work/pack" > /dev/null
mkdir "$work/empty" && cd "$work/empty"
"$work/tools/semidpo" world build --out world --pairs 200 --seed 3 > /dev/null      # renders a world
"$work/tools/semidpo" filter --in world --out filter > /dev/null                      # the bundled judges
"$work/tools/semidpo" sample --prompt "two red circles on the left on a blue background" -n 2 --steps 5 --out grid.png > /dev/null   # the bundled base model
test -s grid.png && test -s filter/filter-stats.json
echo "tool: packed ($(du -m "$work/pack"/SemiDpo.Cli.linux-x64.*.nupkg | cut -f1) MB for linux-x64), installed, and ran world build, filter and sample from an empty folder"

#!/usr/bin/env python3
"""Renders the executed notebooks as Markdown pages with their outputs, for readers who do not run them (GitHub
shows neither the notebooks' Plotly charts nor anything we do not commit).

Reads the executed notebooks the tests write (artifacts/notebooks/*.ipynb) and writes docs/notebooks/<name>.md, with
tables as HTML, image grids as PNG files and Plotly charts as PNG screenshots taken by Debian's headless Chromium
(apt-get install chromium-headless-shell). Progress lines are left out, but for the last line of a cell's live
progress (NotebookProgress: the time the cell took). Only the notebooks in that folder are rendered:
their old pages and images are replaced, the other notebooks' pages stay. Run after `dotnet test` (or give the folder
of executed notebooks):  python3 environment/render_notebooks.py [artifacts/notebooks]
"""
import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "notebooks")
IMAGES = os.path.join(OUT, "img")
PROGRESS = re.compile(r"(step \d+/\d+|: \d+/\d+ (pairs|prompts|images)|^starting$|^Installing Packages|^Loading extensions from)")
PLOTLY_INLINE = re.compile(r'<script type="text/javascript">\(function \(define, module, exports\) \{\n(.*?)\n\}\)\.call\(window\);</script>', re.S)
IMAGE = re.compile(r'<img src="data:image/png;base64,([^"]+)"[^>]*/?>(?:<figcaption[^>]*>(.*?)</figcaption>)?', re.S)
LIVE_PROGRESS = 'class="semidpo-progress"'
BROWSER = shutil.which("chromium-headless-shell") or shutil.which("chromium")


def text(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def link(markdown):
    """Links relative to notebooks/ made relative to docs/notebooks/: other notebooks become their rendered pages."""
    def fix(match):
        target = match.group(1)
        if "://" in target or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        if path.endswith(".ipynb") and "/" not in path:
            path = path[:-len(".ipynb")] + ".md"
        elif path.startswith("../docs/"):
            path = "../" + path[len("../docs/"):]
        else:
            path = "../../notebooks/" + path if not path.startswith("../") else "../" + path
        return "](" + path + ("#" + anchor if anchor else "") + ")"
    return re.sub(r"\]\(([^)\s]+)\)", fix, markdown)


def screenshot(page_html, png, width, height):
    with tempfile.TemporaryDirectory() as temp:
        page = os.path.join(temp, "page.html")
        with open(page, "w", encoding="utf-8") as f:
            f.write(page_html)
        subprocess.run([BROWSER, "--no-sandbox", "--hide-scrollbars", "--disable-gpu", f"--window-size={width},{height}",
                        "--virtual-time-budget=10000", f"--screenshot={png}", "file://" + page],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def chart(output_html, plotly_file, name, index):
    size = re.search(r'var layout = \{"width":(\d+),"height":(\d+)', output_html)
    width, height = (int(size.group(1)), int(size.group(2))) if size else (700, 500)
    page = (f'<html><head><meta charset="utf-8"><script src="file://{plotly_file}"></script></head>'
            f'<style>.modebar{{display:none !important}}</style><body style="margin:0">{PLOTLY_INLINE.sub("", output_html)}</body></html>')
    file = f"{name}-{index}.png"
    screenshot(page, os.path.join(IMAGES, file), width + 20, height + 20)
    return f"![chart](img/{file})"


def grid(output_html, name, index):
    cells = []
    for k, (data, caption) in enumerate(IMAGE.findall(output_html)):
        file = f"{name}-{index}-{k}.png"
        with open(os.path.join(IMAGES, file), "wb") as f:
            f.write(base64.b64decode(data))
        label = html.unescape(re.sub("<[^>]+>", "", caption or "")).replace("|", "\\|")
        cells.append(f'<img src="img/{file}" width="96"/><br/>{label}')
    columns = int(next(iter(re.findall(r"repeat\((\d+),", output_html)), 8))
    rows = [cells[i:i + columns] for i in range(0, len(cells), columns)]
    table = "| " + " | ".join([" "] * min(columns, len(cells))) + " |\n|" + "---|" * min(columns, len(cells)) + "\n"
    return table + "\n".join("| " + " | ".join(row) + " |" for row in rows)


def render(path, plotly_file):
    name = os.path.basename(path)[:-len(".ipynb")]
    notebook = json.load(open(path, encoding="utf-8"))
    parts = [f"*Rendered from [notebooks/{name}.ipynb](../../notebooks/{name}.ipynb), executed by the tests; "
             "regenerate with `python3 environment/render_notebooks.py`.*"]
    for index, cell in enumerate(notebook["cells"]):
        source = text(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append(link(source))
            continue
        if source.startswith("#r "):
            continue
        parts.append("```csharp\n" + source + "\n```")
        cell_outputs = cell.get("outputs", [])
        live = [k for k, output in enumerate(cell_outputs) if LIVE_PROGRESS in text(output.get("data", {}).get("text/html"))]
        for k, output in enumerate(cell_outputs):
            if k in live[:-1]:
                continue
            data = output.get("data", {})
            rich, plain = text(data.get("text/html")), text(data.get("text/plain") or output.get("text"))
            shown = re.sub(r"<[^>]+>", " ", rich).strip() if rich else plain.strip()
            if PROGRESS.search(shown.strip().splitlines()[0] if shown.strip() else ""):
                continue
            if "Plotly.newPlot(" in rich:
                parts.append(chart(rich, plotly_file, name, f"{index}-{k}"))
            elif "data:image/png;base64," in rich:
                parts.append(grid(rich, name, f"{index}-{k}"))
            elif rich:
                parts.append(re.sub(r"<style.*?</style>", "", rich, flags=re.S))
            elif plain.strip():
                parts.append("```\n" + plain.rstrip() + "\n```")
    with open(os.path.join(OUT, name + ".md"), "w", encoding="utf-8") as f:
        f.write("\n\n".join(parts) + "\n")
    return name


def outputs(folder, notebooks):
    for name in notebooks:
        for cell in json.load(open(os.path.join(folder, name), encoding="utf-8"))["cells"]:
            yield from cell.get("outputs", [])


def main():
    executed = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "artifacts", "notebooks")
    if BROWSER is None:
        sys.exit("render_notebooks: needs Debian's headless Chromium for the charts (apt-get install chromium-headless-shell).")
    notebooks = sorted(f for f in os.listdir(executed) if f.endswith(".ipynb"))
    if not notebooks:
        sys.exit(f"render_notebooks: no executed notebooks in {executed}; run the tests first (dotnet test Notebooks.sln).")
    # Replace only the pages and images of the notebooks given: rendering one notebook keeps the others' pages.
    os.makedirs(IMAGES, exist_ok=True)
    for name in notebooks:
        stem = name[: -len(".ipynb")]
        for old in [os.path.join(OUT, stem + ".md")] + [os.path.join(IMAGES, f) for f in os.listdir(IMAGES) if f.startswith(stem + "-")]:
            if os.path.exists(old):
                os.remove(old)
    with tempfile.TemporaryDirectory() as temp:
        plotly_file = os.path.join(temp, "plotly.min.js")
        script = next((found.group(1) for output in outputs(executed, notebooks)
                       for found in [PLOTLY_INLINE.search(text(output.get("data", {}).get("text/html")))] if found), None)
        if script is None:
            sys.exit("render_notebooks: no chart output carries plotly.js (were the notebooks executed with this build?).")
        with open(plotly_file, "w", encoding="utf-8") as f:
            f.write(script)
        for name in notebooks:
            print("rendered", render(os.path.join(executed, name), plotly_file))


if __name__ == "__main__":
    main()

"""File-for-file check of `semidpo confidence` against the official Semi-DPO code's pure-Python steps
(L-CodingSpace/Semi-DPO: semi_dpo/pseudo_labels.py `select_pseudo_labels`, semi_dpo/summarize_confidence.py
`summarize`; numpy only, no GPU). Run on the same confidence files, the official steps must give our pseudo-labels,
thresholds and summary:

    semidpo confidence --model M --filter F --threshold handset --out C [--clean-idx K] [--past-labels P]
    python3 bench/official_crosscheck.py OFFICIAL_CHECKOUT C F [--clean-idx K] [--past P]

OFFICIAL_CHECKOUT is a checkout of the official code (it is not part of this repository). The official selection
reads one confidence folder for the whole scored training set: C/unlabeled and C/clean are put side by side in a
temporary folder; the clean ids listed come from K (the official --clean_idx_path: F/clean_idx_part{i-1}.json for
iteration i, its anchors; default F/clean_idx.json); the percentile per interval is ours (thresholds.csv;
`--threshold handset` gives the official script's 80 ×6, 90 ×4). Compared: the label of every noisy and every listed
clean pair at every interval, each interval's accepted count of noisy pairs and our τ against the official cutoff (the
smallest |z| it accepts: ≥ τ), and every number of summary.json. Reported, not compared: the clean pairs outside the
list that the official selection pseudo-labels too (it ranks the whole scored training set; we label the noisy pairs,
the paper's unlabeled set, only).
"""
import csv
import json
import os
import shutil
import sys
import tempfile

if len(sys.argv) < 4:
    sys.exit(__doc__)
OFFICIAL, RUN, FILTER = (os.path.abspath(a) for a in sys.argv[1:4])
PAST = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--past"]
CLEAN_IDX = sys.argv[sys.argv.index("--clean-idx") + 1] if "--clean-idx" in sys.argv else os.path.join(FILTER, "clean_idx.json")
sys.path.insert(0, OFFICIAL)
from semi_dpo import pseudo_labels as pl  # noqa: E402
from semi_dpo.summarize_confidence import summarize  # noqa: E402

with open(os.path.join(RUN, "thresholds.csv")) as f:
    thresholds = list(csv.DictReader(f))
percentiles = [float(r["percentile"]) for r in thresholds]
with tempfile.TemporaryDirectory() as scored:
    for part in ("unlabeled", "clean"):
        for name in sorted(os.listdir(os.path.join(RUN, part))):
            shutil.copy(os.path.join(RUN, part, name), os.path.join(scored, name.replace(".jsonl", f"_{part}.jsonl")))
    confidences = pl.load_confidences(scored)
with open(CLEAN_IDX) as f:
    clean_ids = [str(i) for i in json.load(f)]
past = {}
for path in PAST:
    past.update(pl.load_pseudo_labels(path))
labels, cutoffs = pl.select_pseudo_labels(confidences, "percentile", percentiles, past, clean_ids)

with open(os.path.join(RUN, "pseudo_labels.json")) as f:
    ours = json.load(f)
# We pseudo-label the noisy pairs only (the paper's unlabeled set); the official selection also labels the clean pairs
# its clean_idx file does not list (they are in the scored training set). Compared: the noisy pairs and the listed ones.
noisy = set(pl.load_confidences(os.path.join(RUN, "unlabeled")))
listed = set(clean_ids)
theirs = {idx: row for idx, row in labels.items() if idx in noisy or idx in listed}
unlisted_clean = len(labels) - len(theirs)
problems = []
if ours != theirs:
    only = set(ours) ^ set(theirs)
    differ = [k for k in set(ours) & set(theirs) if ours[k] != theirs[k]]
    problems.append(f"pseudo-labels differ: {len(only)} pairs in one file only, {len(differ)} with other labels")
print(f"pseudo_labels.json: {len(theirs)} pairs ({len(listed)} clean listed), {'the same labels' if ours == theirs else 'DIFFERENT'}; "
      f"clean pairs outside the list the official selection also labels (we never do): {unlisted_clean}")
for row, anchor in zip(thresholds, pl.TIMESTEP_ANCHORS):
    key = pl.timestep_key(anchor)
    accepted = sum(1 for idx, r in labels.items() if r[key] != 0 and idx in noisy)
    tau, cutoff = float(row["tau"]), cutoffs[key]
    if int(row["accepted"]) != accepted:
        problems.append(f"{key}: we accept {row['accepted']}, the official selection {accepted}")
    if not cutoff >= tau:
        problems.append(f"{key}: official cutoff {cutoff} below our τ {tau}")
    print(f"  {key:>14}: percentile {row['percentile']:>4}, τ {tau:.6g}, official cutoff {cutoff:.6g}, accepted {row['accepted']} / {accepted}")

rows = summarize(pl.load_confidences(os.path.join(RUN, "test")), [50, 75, 80, 87.5, 90])
with open(os.path.join(RUN, "summary.json")) as f:
    ours_summary = json.load(f)
worst = 0.0
for a, b in zip(rows, ours_summary):
    for k, v in a.items():
        worst = max(worst, abs(v - b[k]) / max(1.0, abs(v)))
if len(rows) != len(ours_summary) or worst > 1e-9:
    problems.append(f"summary differs (largest relative difference {worst:.3g})")
print(f"summary.json: {len(rows)} intervals, largest relative difference {worst:.3g}")
print("\n".join(problems) if problems else "OK: the official steps give our files")
sys.exit(1 if problems else 0)

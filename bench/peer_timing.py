"""Timing shared by the PyTorch peers of `semidpo bench`: the same warm-up, phases and JSON line as the C# side
(PeerBench.cs), the process's peak memory and the set-up that decides the peer's speed (threads, oneDNN, allocator,
which BLAS Debian's torch calls)."""
import json
import os
import statistics
import time

import torch

PHASES = ["policy forward", "reference forward", "backward", "clip + AdamW"]


def time_steps(step, warmup, steps, names=PHASES):
    """Runs step(mark) warmup + steps times; step calls mark() after preparing its inputs and after each phase."""
    times, phases = [], {name: [] for name in names}
    for i in range(warmup + steps):
        start = time.perf_counter()
        marks = []
        step(lambda: marks.append(time.perf_counter()))
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
            for name, a, z in zip(names, marks, marks[1:]):
                phases[name].append((z - a) * 1000)
    return times, phases


def dpo_step(mark, predict, policy, reference, optimizer, winners, losers, condition, tables, beta=2500.0):
    """One Diffusion-DPO training step (the C# side's DpoStepTiming): one t and one noise per pair for winner and loser,
    policy forward, frozen reference forward, backward, clip + AdamW; predict(model, x_t, t, condition) gives eps-hat."""
    sqrt_a, sqrt_1ma = tables
    t = torch.randint(0, len(sqrt_a), (winners.shape[0],))
    noise = torch.randn_like(winners)
    x0, eps, tt, c = torch.cat([winners, losers]), torch.cat([noise, noise]), torch.cat([t, t]), torch.cat([condition, condition])
    xt = sqrt_a[tt].view(-1, 1, 1, 1) * x0 + sqrt_1ma[tt].view(-1, 1, 1, 1) * eps
    mark()
    policy_error = (predict(policy, xt, tt, c) - eps).pow(2).mean(dim=(1, 2, 3))
    mark()
    with torch.no_grad():
        reference_error = (predict(reference, xt, tt, c) - eps).pow(2).mean(dim=(1, 2, 3))
    mark()
    pw, pl = policy_error.chunk(2)
    rw, rl = reference_error.chunk(2)
    torch.nn.functional.softplus(-beta * ((rw - rl) - (pw - pl))).mean().backward()
    mark()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad()
    mark()


def peak_rss_mb():
    """VmHWM of this process (ru_maxrss would include the parent's peak, inherited across fork and exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def report(peer, times, phases):
    """Prints the one JSON line the C# side reads."""
    blas = os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")  # Debian's torch calls the system BLAS
    setup = (f"{torch.get_num_threads()} threads, mkldnn {torch.backends.mkldnn.enabled}, "
             f"MALLOC_MMAP_THRESHOLD_ {os.environ.get('MALLOC_MMAP_THRESHOLD_', 'glibc default')}, "
             f"BLAS {blas} ({'OpenBLAS' if 'openblas' in blas else 'the slow reference BLAS: apt-get install libopenblas0-pthread'})")
    print(json.dumps({"peer": peer, "setup": setup, "median_ms": statistics.median(times), "min_ms": min(times),
                      "peak_rss_mb": peak_rss_mb(), "threads": torch.get_num_threads(),
                      "phases_ms": {name: statistics.median(values) for name, values in phases.items()}}))

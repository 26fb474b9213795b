"""Speed and memory of the KDE core, as ratios measured in one run.

1. The encoder's JSD loss and its gradient for a minibatch of 64 codes
   against m = 10000 centres in l = 8 (float32), against one matmul + exp of
   the same size (the faster of its two layouts), and against plain autograd
   through ``logsumexp(-cdist(q, c)**2 / (2 h^2))``; with 1 and 2 torch
   threads. Each is timed in a child process twice: with glibc's default
   malloc, which returns freed multi-megabyte blocks to the OS so that every
   fresh tensor page-faults (importing scipy.special, as scikit-learn does,
   makes this up to 4x slower), and with ``MALLOC_TRIM_THRESHOLD_`` and
   ``MALLOC_MMAP_THRESHOLD_`` raised so that the timings measure computation.
2. Table 1's bandwidth searches: skgen against a straightforward float64
   numpy implementation (full distance matrix per trial, Brent's method on
   the derivative) on the same cells. By default the cells with m <= 2000;
   ``--full`` times all 300 searches with both.
3. One KDE entropy with its fixed-point bandwidth at m = 10000, l = 8.
4. Peak memory of a KDE of 100000 queries against 100000 centres (l = 8) in
   a child process; the full float32 matrix would take 40 GB.
5. A small GEN fit with 1 and 2 torch threads, alone and while another
   process keeps one core busy (what oversubscribed cores cost).

Usage::

    python benchmarks/bench_speed.py [--full] [--skip-memory] [--only-threads]
"""

import argparse
import math
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
from scipy.optimize import brentq
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from skgen import EntropyScorer, jsd_bandwidth
from skgen.kde import jsd_loss, kde_entropy
from skgen.targets import StandardNormal

DIMS = (2, 5, 10, 20, 40)
SIZES = (250, 500, 1000, 2000, 4000, 8000)


def timeit(fn, repeat=100, warmup=10):
    for _ in range(warmup):
        fn()
    best = math.inf
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - t0) / repeat)
    return best


_MALLOC_TUNED = {"MALLOC_TRIM_THRESHOLD_": str(2**30), "MALLOC_MMAP_THRESHOLD_": str(2**30)}


def loss_benchmark_children():
    print("1. JSD loss + gradient, minibatch 64 vs m = 10000 centres, l = 8, float32 (ms)")
    print(
        f"{'malloc':>8} {'threads':>8} {'matmul+exp':>11} {'skgen':>8} {'ratio':>6} {'naive autograd':>15} {'ratio':>6}"
    )
    import os

    for label, extra in (("default", {}), ("tuned", _MALLOC_TUNED)):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
        env.update(extra)
        res = subprocess.run(
            [sys.executable, __file__, "--loss-only"], env=env, capture_output=True, text=True, check=True
        )
        for line in res.stdout.splitlines():
            print(f"{label:>8} {line}")


def loss_benchmark():
    gen = torch.Generator().manual_seed(0)
    target = StandardNormal(8)
    z = torch.randn(64, 8, generator=gen)
    centres = torch.randn(10000, 8, generator=gen)
    h = 0.6
    rows = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)

        def reference_nm():
            return torch.exp(z @ centres.T)

        def reference_mn():
            return torch.exp(centres @ z.T)

        def ours():
            q = z.clone().requires_grad_()
            jsd_loss(q, centres, target, h).backward()

        def naive():
            q = z.clone().requires_grad_()
            log_pe = (
                torch.logsumexp(-(torch.cdist(q, centres) ** 2) / (2 * h * h), 1)
                - math.log(10000)
                - 8 * math.log(h)
                - 4 * math.log(2 * math.pi)
            )
            log_pt = target.log_prob(q)
            (log_pe - torch.logaddexp(log_pe, log_pt)).mean().backward()

        # the reference is the faster of the two layouts of the same matmul + exp
        t_ref = min(timeit(reference_nm), timeit(reference_mn)) * 1e3
        t_ours, t_naive = (timeit(f) * 1e3 for f in (ours, naive))
        rows[threads] = (t_ref, t_ours, t_naive)
        print(
            f"{threads:>8} {t_ref:>11.3f} {t_ours:>8.3f} {t_ours / t_ref:>6.2f} {t_naive:>15.3f} {t_naive / t_ref:>6.1f}",
            flush=True,
        )
    torch.set_num_threads(2)
    return rows


def naive_bandwidth(l, m, n_trials, seed):
    """Straightforward float64 numpy: one distance matrix per trial, brentq on dJSD/dh."""
    rng = np.random.RandomState(seed)
    hs = []
    for _ in range(n_trials):
        C, Ze, Zt = (rng.standard_normal((m, l)) for _ in range(3))
        De, Dt = cdist(Ze, C, "sqeuclidean"), cdist(Zt, C, "sqeuclidean")
        lpt_e = -0.5 * (Ze**2).sum(1) - 0.5 * l * math.log(2 * math.pi)
        lpt_t = -0.5 * (Zt**2).sum(1) - 0.5 * l * math.log(2 * math.pi)

        def deriv(h, De=De, Dt=Dt, lpt_e=lpt_e, lpt_t=lpt_t):
            out = 0.0
            for D, lpt, sign in ((De, lpt_e, 1), (Dt, lpt_t, -1)):
                logits = -D / (2 * h * h)
                lse = logsumexp(logits, axis=1)
                w = np.exp(logits - lse[:, None])
                A = (w * D).sum(1) / h**3 - l / h
                lpe = lse - math.log(m) - l * math.log(h) - 0.5 * l * math.log(2 * math.pi)
                r = 1.0 / (1.0 + np.exp(lpt - lpe))
                out += 0.5 * ((1 - r) * A).mean() if sign > 0 else -0.5 * (r * A).mean()
            return out

        hs.append(brentq(deriv, 0.05, 5.0, xtol=1e-4))
    return float(np.mean(hs))


def table1_benchmark(full):
    sizes = SIZES if full else tuple(m for m in SIZES if m <= 2000)
    cells = [(l, m) for l in DIMS for m in sizes]
    print("\n2. Table 1 bandwidth searches, 10 trials per cell")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        for l in DIMS:
            for m in SIZES:
                jsd_bandwidth(l, m, random_state=0)
        print(f"   skgen, all of Table 1 (300 searches): {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        ours = {c: jsd_bandwidth(*c, random_state=0) for c in cells}
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        naive = {c: naive_bandwidth(*c, 10, 0) for c in cells}
        t_naive = time.perf_counter() - t0
    diff = max(abs(ours[c] - naive[c]) for c in cells)
    print(
        f"   cells with m in {sizes} ({len(cells) * 10} searches): skgen {t_ours:.1f} s, straightforward "
        f"numpy float64 {t_naive:.1f} s, speed-up {t_naive / t_ours:.1f}x "
        f"(different samples: max |h diff| {diff:.3f})"
    )
    return t_ours, t_naive


def entropy_benchmark():
    print("\n3. KDE entropy with its fixed-point bandwidth, m = 10000, l = 8")
    Z = np.random.RandomState(0).standard_normal((10000, 8))

    class Identity:
        def transform(self, X):
            return X

    t32 = timeit(lambda: EntropyScorer()(Identity(), Z), repeat=1, warmup=1)
    t64 = timeit(lambda: kde_entropy(Z), repeat=1, warmup=0)
    print(f"   EntropyScorer (float32 kernels): {t32:.2f} s; kde_entropy on float64 input: {t64:.2f} s")


_MEMORY_CHILD = """
import time, torch
from skgen.kde import log_kde
def status_kib(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))
def rss_kib():
    return status_kib("VmRSS")
g = torch.Generator().manual_seed(0)
q = torch.randn(100000, 8, generator=g); c = torch.randn(100000, 8, generator=g)
before = rss_kib()
t0 = time.perf_counter()
with torch.no_grad():
    out = log_kde(q, c, 0.5)
dt = time.perf_counter() - t0
# VmHWM, this process's own peak: getrusage's ru_maxrss keeps the parent's RSS at the fork
# (Linux carries it across exec), which read 3.2 GiB after the numpy section above
peak = status_kib("VmHWM")
print(before, peak, dt, bool(torch.isfinite(out).all()))
"""


def memory_benchmark():
    print("\n4. KDE of 100000 queries x 100000 centres, l = 8, float32, no grad")
    res = subprocess.run([sys.executable, "-c", _MEMORY_CHILD], capture_output=True, text=True, check=True)
    before_kib, peak_kib, seconds, finite = res.stdout.split()
    full_gib = 100000 * 100000 * 4 / 2**30
    print(
        f"   process RSS before {int(before_kib) / 2**10:.0f} MiB, peak {int(peak_kib) / 2**10:.0f} MiB "
        f"(the full matrix would be {full_gib:.0f} GiB); {float(seconds):.1f} s; all finite: {finite}"
    )


def contention_benchmark(repeats=3):
    from skgen import GENAutoencoder

    print("\n5. A GEN fit (1000 x 10, latent_dim 2, width 64, 20 epochs), seconds, best of", repeats)
    X = np.random.RandomState(0).randn(1000, 10)
    previous = torch.get_num_threads()

    def fit_time(threads):
        torch.set_num_threads(threads)
        t0 = time.perf_counter()
        GENAutoencoder(latent_dim=2, hidden_layer_sizes=(64,), max_iter=20, random_state=0, device="cpu").fit(X)
        return time.perf_counter() - t0

    fit_time(1)  # the bandwidth search, memoised for the timed fits
    try:
        for busy in (False, True):
            proc = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
            try:
                time.sleep(0.5)
                times = {t: min(fit_time(t) for _ in range(repeats)) for t in (1, 2)}
            finally:
                if proc is not None:
                    proc.kill()
                    proc.wait()
            label = "another process busy on one core" if busy else "alone"
            print(f"   {label:>33}: 1 thread {times[1]:.2f}, 2 threads {times[2]:.2f} ({times[2] / times[1]:.1f}x)")
    finally:
        torch.set_num_threads(previous)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="time the naive implementation on all of Table 1")
    parser.add_argument("--skip-memory", action="store_true", help="skip the 100000 x 100000 KDE")
    parser.add_argument("--only-threads", action="store_true", help="only part 5 (threads under contention)")
    parser.add_argument("--loss-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loss_only:
        loss_benchmark()
        return
    if args.only_threads:
        contention_benchmark()
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads by default\n")
    loss_benchmark_children()
    table1_benchmark(args.full)
    entropy_benchmark()
    if not args.skip_memory:
        memory_benchmark()
    contention_benchmark()


if __name__ == "__main__":
    main()

"""What the penalty does to codes that already follow the distribution section 4 predicts.

Draw m codes from N(0, (1 - h^2) I_l), the stationary distribution of a GEN
with a standard-normal target, use them as the KDE set and as the minibatch
(each code's own kernel left out, as in training), and take the gradient of
GEN's non-saturating JSD term (``skgen.kde.jsd_loss``) with respect to every
code. Print the mean radial component of the descent step (outwards > 0) in
bins of the code's radius, in standard deviations of the codes, for the
estimators the training can use:

* the leave-one-out KDE (the paper's estimator);
* each code's own kernel kept in the KDE (no leave-one-out);
* the leave-one-out KDE with a density floor at the target's q density level
  (``GENAutoencoder(density_floor=q)``), for several q.

A remedy for escaping codes should leave the bulk at zero (the stationary
point is kept) and point inwards in the far tail.

Usage::

    python benchmarks/bench_stationary_forces.py [--dim 8] [--sizes 1797 10000]
"""

import argparse
import math

import torch

from skgen import jsd_bandwidth
from skgen.kde import jsd_loss
from skgen.targets import StandardNormal, log_prob_quantile

BINS = (0.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, math.inf)


def radial_descent(Z, target, h, *, own_kernel=False, log_floor=None, chunk=1000):
    """Radial component of the descent step of every code (one chunk of codes at a time)."""
    out = []
    for start in range(0, len(Z), chunk):
        z = Z[start : start + chunk].clone().requires_grad_(True)
        exclude = None if own_kernel else torch.arange(start, start + len(z))
        loss = jsd_loss(z, Z, target, h, exclude=exclude, form="non_saturating", log_floor=log_floor) * len(z)
        (grad,) = torch.autograd.grad(loss, z)
        out.append(-(grad * z.detach()).sum(1) / z.detach().norm(dim=1))
    return torch.cat(out).numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dim", type=int, default=8)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1797, 10000])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    l = args.dim
    target = StandardNormal(l)
    labels = [f"{a:g}-{b:g}" for a, b in zip(BINS, BINS[1:])]
    for m in args.sizes:
        h = jsd_bandwidth(l, m, random_state=args.seed)
        s = math.sqrt(1 - h * h)
        Z = torch.randn(m, l, generator=torch.Generator().manual_seed(args.seed), dtype=torch.float64) * s
        radius = (Z.norm(dim=1) / s).numpy()
        idx = [(radius >= a) & (radius < b) for a, b in zip(BINS, BINS[1:])]
        print(f"\nl = {l}, m = {m}, h = {h:.3f}: codes ~ N(0, (1 - h^2) I); radius in their standard deviations")
        print(f"{'radius bin':>24} " + " ".join(f"{lab:>8}" for lab in labels))
        print(f"{'codes in bin':>24} " + " ".join(f"{int(i.sum()):>8d}" for i in idx))
        cases = [("leave-one-out", {}), ("own kernel kept", {"own_kernel": True})]
        cases += [(f"floor q={q:g}", {"log_floor": log_prob_quantile(target, q)}) for q in (0.3, 0.1, 0.01, 1e-3, 1e-4)]
        for name, kw in cases:
            d = radial_descent(Z, target, h, **kw)
            print(
                f"{name:>24} " + " ".join(f"{d[i].mean():>+8.3f}" if i.any() else f"{'':>8}" for i in idx), flush=True
            )


if __name__ == "__main__":
    main()

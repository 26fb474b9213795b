"""Gaussian-kernel density estimates in torch: log densities, JSD and entropy.

Every function here is torch in, torch out (``kde_entropy`` also takes numpy),
works in log space so that kernels do not underflow at latent dimension 40 and
beyond, and evaluates the ``(n_query, n_centres)`` kernel matrix in row chunks
so that memory stays ``O(chunk_size * n_centres)``.

Notation follows the paper: ``G_h`` is the isotropic Gaussian density with
standard deviation ``h`` in ``l`` dimensions, the KDE of eq. 1 is
``p_e(z) = 1/m sum_i G_h(z - z_i)``, and ``p_t`` is the target.
"""

import math
import warnings
from numbers import Integral

import torch
import torch.nn.functional as F

from .utils._constants import LOG_2 as _LOG2
from .utils._constants import LOG_2PI as _LOG_2PI
from .utils._validation import check_bandwidth, check_positive_int, check_samples

__all__ = [
    "entropy_bandwidth",
    "jsd_loss",
    "kde_entropy",
    "kde_jsd",
    "kde_jsd_grad_bandwidth",
    "log_kde",
    "sq_distances",
    "whiten",
]

# Exponents below this are clamped before exp: e^-80 is ~1e-35 of the row's
# largest kernel, far below float32 resolution, and it keeps float32 exp out of
# the denormal range, which is 4-5x slower on x86 CPUs.
_MIN_EXPONENT = -80.0
# Kernel-matrix entries evaluated at once (and kept for the backward pass).
_CHUNK_ENTRIES = 1 << 22


def sq_distances(x, y):
    """Squared Euclidean distances, ``|x|^2 + |y|^2 - 2 x y^T`` clamped at 0.

    Parameters
    ----------
    x : torch.Tensor of shape (n, l)
    y : torch.Tensor of shape (m, l)

    Returns
    -------
    d2 : torch.Tensor of shape (n, m)
    """
    x, y = _centred(x, y)
    x_sq = (x * x).sum(1, keepdim=True)  # (n, 1)
    y_sq = (y * y).sum(1)  # (m,)
    return torch.addmm(x_sq + y_sq, x, y.T, alpha=-2.0).clamp_min_(0.0)  # (n, m)


def _centred(query, centres):
    """Both sets shifted by the centres' (detached) mean.

    Distances and their gradients are translation invariant, but the
    expansion ``|q|^2 + |c|^2 - 2 q.c`` loses the distance to cancellation
    when the points sit far from the origin (at 1e4 in float32 it keeps no
    digit of a unit distance). Centring first leaves only the rounding of the
    data themselves.
    """
    ref = centres.detach().mean(0)
    return query - ref, centres - ref


def _default_chunk(n_centres, chunk_size, entries=_CHUNK_ENTRIES):
    if chunk_size is not None:
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, Integral) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}.")
        return int(chunk_size)
    return max(1, entries // max(1, n_centres))


def _kernel_block(q, centres, c_bias, inv_h2, excl):
    """Shifted kernel values of one chunk of queries, centres along dim 0.

    Uses ``-|q - c|^2 / (2 h^2) = -|q|^2 / (2 h^2) + [q.c / h^2 - |c|^2 / (2 h^2)]``:
    the first term is constant for a query, so one ``addmm`` gives logits
    ``M`` of shape (m, n_chunk) that differ from the true ones by a constant
    per column. (The (m, n) layout is 2-4x faster on CPU than (n, m) for the
    skinny products involved.) Returns ``E = exp(M - max_col M)`` (excluded
    entries 0, overwriting ``M``), the column sums ``s0`` and ``lse``, the
    per-query ``log sum_i exp(-|q - c_i|^2 / (2 h^2))``. ``E / s0`` are the
    softmax weights.
    """
    M = torch.addmm(c_bias[:, None], centres, q.T, alpha=inv_h2)  # (m, n_chunk)
    if excl is not None:
        rows, cols = excl
        M[cols, rows] = -math.inf
    col_max = M.amax(0)  # (n_chunk,)
    E = M.sub_(col_max).clamp_min_(_MIN_EXPONENT).exp_()  # (m, n_chunk)
    if excl is not None:
        E[cols, rows] = 0.0
    s0 = E.sum(0)  # (n_chunk,)
    lse = s0.log() + col_max - 0.5 * inv_h2 * (q * q).sum(1)
    return E, s0, lse


def _chunk_exclusion(exclude, start, stop):
    """Row/column indices to drop for query rows [start, stop), or None."""
    if exclude is None:
        return None
    ex = exclude[start:stop]
    keep = ex >= 0
    if not bool(keep.any()):
        return None
    rows = torch.arange(stop - start, device=ex.device)[keep]
    return rows, ex[keep]


class _LogKDE(torch.autograd.Function):
    """``log sum_i exp(-|q - c_i|^2 / (2 h^2))`` per query, with a hand-written backward.

    Autograd through ``logsumexp(-cdist(q, c)**2)`` stores several
    (n_query, m) intermediates and recomputes distances; this keeps only the
    shifted kernel values and their row sums (or recomputes them chunk by
    chunk for large problems) and forms every gradient from them with matrix
    products.
    """

    @staticmethod
    def forward(ctx, query, centres, bandwidth, exclude, chunk_size):
        h = float(bandwidth)
        inv_h2 = 1.0 / (h * h)
        c_bias = (centres * centres).sum(1) * (-0.5 * inv_h2)  # (m,)
        n, m = query.shape[0], centres.shape[0]
        need_grad = any(ctx.needs_input_grad[:3])
        need_s = ctx.needs_input_grad[2]
        store = need_grad and n * m <= _CHUNK_ENTRIES
        if store:
            chunk_size = n
        lse = query.new_empty(n)
        s0_all = query.new_empty(n) if store else None
        s_mean = query.new_empty(n) if need_s else None
        E_all = None
        for start in range(0, n, chunk_size):
            stop = min(n, start + chunk_size)
            q = query[start:stop]
            excl = _chunk_exclusion(exclude, start, stop)
            E, s0, lse[start:stop] = _kernel_block(q, centres, c_bias, inv_h2, excl)
            if need_s:  # sum_i w_i |q - c_i|^2, for the bandwidth's gradient
                s_mean[start:stop] = (E * sq_distances(centres, q)).sum(0) / s0
            if store:
                E_all, s0_all = E, s0
        ctx.h = h
        ctx.h_shape = bandwidth.shape
        ctx.chunk_size = chunk_size
        ctx.stored = store
        if need_grad:
            ctx.save_for_backward(query, centres, exclude, E_all, s0_all, s_mean)
        return lse

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        query, centres, exclude, E_all, s0_all, s_mean = ctx.saved_tensors
        h = ctx.h
        inv_h2 = 1.0 / (h * h)
        need_q, need_c, need_h = ctx.needs_input_grad[:3]
        grad_q = torch.empty_like(query) if need_q else None
        grad_c = torch.zeros_like(centres) if need_c else None
        if need_q or need_c:
            c_bias = None if ctx.stored else (centres * centres).sum(1) * (-0.5 * inv_h2)
            n = query.shape[0]
            for start in range(0, n, ctx.chunk_size):
                stop = min(n, start + ctx.chunk_size)
                q, g = query[start:stop], grad[start:stop]
                if ctx.stored:
                    E, s0 = E_all, s0_all
                else:
                    excl = _chunk_exclusion(exclude, start, stop)
                    E, s0, _ = _kernel_block(q, centres, c_bias, inv_h2, excl)
                g_s = g / s0  # softmax weights are E / s0; E is (m, n_chunk)
                if need_q:  # sum_i w_i (c_i - q) / h^2
                    weighted = (centres.T @ E).T  # (n_chunk, l); faster than E.T @ centres
                    grad_q[start:stop] = (weighted * g_s[:, None] - g[:, None] * q) * inv_h2
                if need_c:  # sum_a g_a w_ai (q_a - c_i) / h^2
                    Wg = E * g_s  # (m, n_chunk)
                    grad_c += (Wg @ q - Wg.sum(1)[:, None] * centres) * inv_h2
        grad_h = None
        if need_h:  # d/dh of -d^2 / (2 h^2) is d^2 / h^3
            grad_h = ((grad * s_mean).sum() / (h**3)).reshape(ctx.h_shape)
        return grad_q, grad_c, grad_h, None, None


def _prepare_exclude(exclude, leave_one_out, n_query, n_centres, device):
    if leave_one_out:
        if exclude is not None:
            raise ValueError("give either leave_one_out=True or exclude, not both.")
        if n_query != n_centres:
            raise ValueError(
                "leave_one_out=True needs the queries to be the centres, got "
                f"{n_query} queries and {n_centres} centres."
            )
        return torch.arange(n_query, device=device)
    if exclude is None:
        return None
    exclude = torch.as_tensor(exclude, device=device)
    if exclude.dtype not in (torch.int64, torch.int32) or exclude.shape != (n_query,):
        raise ValueError(
            f"exclude must be an integer tensor of shape ({n_query},), one centre index (or -1) per query."
        )
    if bool((exclude >= n_centres).any()) or bool((exclude < -1).any()):
        raise ValueError(f"exclude holds indices outside [-1, {n_centres}) (-1: no centre to leave out).")
    return exclude.long()


def log_kde(query, centres, bandwidth, *, leave_one_out=False, exclude=None, chunk_size=None):
    """Log density of a Gaussian-kernel KDE at each query point (eq. 1).

    ``log p_e(q) = log (1/m sum_i G_h(q - c_i))`` computed with ``logsumexp``,
    differentiable in ``query``, ``centres`` and ``bandwidth`` (a float or a
    0-d tensor), with a backward pass that reuses the kernel weights.

    Parameters
    ----------
    query : torch.Tensor of shape (n_query, l)
        Points at which to evaluate the density.
    centres : torch.Tensor of shape (m, l)
        Kernel centres (the samples of the KDE).
    bandwidth : float or torch.Tensor
        Kernel standard deviation ``h > 0``.
    leave_one_out : bool, default=False
        When the queries are the centres, drop each point's own kernel and
        normalise by ``m - 1``.
    exclude : torch.Tensor of shape (n_query,), default=None
        Per query, the index of one centre to leave out (``-1`` for none); the
        rows that leave one out are normalised by ``m - 1``. This is how a
        minibatch sample's own lagged code is removed from the KDE set.
    chunk_size : int, default=None
        Query rows evaluated at once; memory is ``O(chunk_size * m)``. The
        default keeps a chunk at about 4 million kernel entries.

    Returns
    -------
    log_density : torch.Tensor of shape (n_query,)

    Examples
    --------
    >>> import torch
    >>> from skgen.kde import log_kde
    >>> c = torch.zeros(1, 2, dtype=torch.float64)
    >>> float(log_kde(c, c, 1.0)[0])  # log G_1(0) in 2-D = -log(2 pi)
    -1.8378770664093453
    """
    query, centres = _check_pair(query, centres)
    n, l = query.shape
    m = centres.shape[0]
    if not isinstance(bandwidth, torch.Tensor):
        bandwidth = torch.tensor(check_bandwidth(bandwidth), dtype=query.dtype, device=query.device)
    else:
        check_bandwidth(bandwidth)
    exclude = _prepare_exclude(exclude, leave_one_out, n, m, query.device)
    if exclude is not None and m < 2:
        raise ValueError("leaving one centre out needs at least 2 centres.")
    lse = _LogKDE.apply(*_centred(query, centres), bandwidth, exclude, _default_chunk(m, chunk_size))
    log_count = query.new_full((n,), math.log(m))
    if exclude is not None:
        log_count = torch.where(exclude >= 0, math.log(m - 1), log_count)
    return lse - log_count - l * torch.log(bandwidth) - 0.5 * l * _LOG_2PI


def _check_pair(query, centres):
    if not isinstance(query, torch.Tensor) or not isinstance(centres, torch.Tensor):
        raise TypeError("query and centres must be torch tensors (use torch.as_tensor).")
    if query.ndim != 2 or centres.ndim != 2:
        raise ValueError(f"query and centres must be 2-D, got shapes {tuple(query.shape)} and {tuple(centres.shape)}.")
    if query.shape[1] != centres.shape[1]:
        raise ValueError(f"query has {query.shape[1]} dimensions but centres have {centres.shape[1]}.")
    if centres.shape[0] < 1 or query.shape[1] < 1:
        raise ValueError("need at least one centre and one dimension.")
    if not (query.is_floating_point() and centres.is_floating_point()):
        raise TypeError("query and centres must be floating point tensors.")
    if query.dtype != centres.dtype:
        raise TypeError(f"query is {query.dtype} but centres are {centres.dtype}.")
    for name, pts in (("query", query), ("centres", centres)):
        # one reduction; the elementwise check only when the sum is not finite
        if not bool(torch.isfinite(pts.sum())) and not bool(torch.isfinite(pts).all()):
            raise ValueError(
                f"{name} contains NaN or infinity; a KDE needs finite points (if these are "
                "latent codes, the encoder has diverged)."
            )
    return query, centres


# -----------------------------------------------------------------------------
# Kernel sums for many bandwidths on fixed points (bandwidth searches)
# -----------------------------------------------------------------------------
class KernelSums:
    """Per-query kernel statistics on fixed points, for many bandwidths.

    For queries ``q_a`` and centres ``c_i`` with squared distances ``d_ai``,
    ``self(h)`` returns

    * ``lse_a = log sum_i exp(-d_ai / (2 h^2))``,
    * ``S_a = sum_i w_ai d_ai``, the kernel-weighted mean squared distance
      (``w`` the softmax weights), and with ``second=True``
    * ``V_a = sum_i w_ai d_ai^2 - S_a^2``, its weighted variance,

    from which the KDE log density, its first two derivatives in ``h`` and
    the fixed-point updates all follow. The distances do not depend on ``h``:
    they are computed once, shifted by each row's minimum (so the largest
    kernel is exactly 1), and cached when they fit in ``cache_entries``;
    otherwise they are recomputed chunk by chunk at each call and memory stays
    ``O(chunk_size * m)``.

    Parameters
    ----------
    queries : torch.Tensor of shape (n, l)
    centres : torch.Tensor of shape (m, l)
    exclude_self : bool, default=False
        Leave-one-out: queries are the centres and ``d_aa`` is dropped.
    chunk_size : int, default=None
        Rows per block; the default keeps a block near 1 million entries so
        that the elementwise passes stay in cache.
    cache_entries : int, default=2**28
        Largest ``n * m`` whose distances are kept in memory (1 GiB in float32).
    storage : torch.Tensor, default=None
        Memory to reuse for the cache (at least ``n * m`` elements of the
        queries' dtype), e.g. across the trials of a bandwidth search.
    """

    def __init__(self, queries, centres, *, exclude_self=False, chunk_size=None, cache_entries=1 << 28, storage=None):
        self.queries, self.centres = _centred(*_check_pair(queries, centres))
        queries, centres = self.queries, self.centres
        n, m = queries.shape[0], centres.shape[0]
        if exclude_self and n != m:
            raise ValueError("exclude_self needs the queries to be the centres.")
        if exclude_self and m < 2:
            raise ValueError("leave-one-out needs at least 2 points.")
        self.exclude_self = exclude_self
        self.chunk_size = _default_chunk(m, chunk_size, entries=1 << 20)
        self.cached = n * m <= cache_entries
        self.n_query, self.n_centres = n, m
        self._q_sq = (queries * queries).sum(1, keepdim=True)  # (n, 1)
        self._c_sq = (centres * centres).sum(1)  # (m,)
        self.d_min = queries.new_empty(n)
        self._buffer = queries.new_empty(min(self.chunk_size, n), m)
        self._shifted = None
        if self.cached:
            if storage is not None and storage.numel() >= n * m and storage.dtype == queries.dtype:
                self._shifted = storage.view(-1)[: n * m].view(n, m)
            else:
                self._shifted = queries.new_empty(n, m)
        for start, stop in self._ranges():
            out = self._shifted[start:stop] if self.cached else self._buffer[: stop - start]
            self._distances(start, stop, out, set_min=True)

    def _ranges(self):
        for start in range(0, self.n_query, self.chunk_size):
            yield start, min(self.n_query, start + self.chunk_size)

    def _distances(self, start, stop, out, set_min=False):
        """Write the row-shifted squared distances of rows [start, stop) into ``out``."""
        torch.mm(self.queries[start:stop], self.centres.T, out=out)  # (n_chunk, m)
        out.mul_(-2.0).add_(self._q_sq[start:stop]).add_(self._c_sq).clamp_min_(0.0)
        if self.exclude_self:
            idx = torch.arange(stop - start, device=out.device)
            out[idx, idx + start] = math.inf
        if set_min:
            self.d_min[start:stop] = out.amin(1)
        out.sub_(self.d_min[start:stop, None])
        if self.exclude_self:  # finite placeholder; its kernel weight is zeroed in __call__
            out[idx, idx + start] = 0.0
        return out

    def __call__(self, bandwidth, second=False):
        h = float(bandwidth)
        c = -0.5 / (h * h)
        s0 = self.queries.new_empty(self.n_query)
        s1 = self.queries.new_empty(self.n_query)
        s2 = self.queries.new_empty(self.n_query) if second else None
        work = self._buffer if self.cached else torch.empty_like(self._buffer)
        for start, stop in self._ranges():
            if self.cached:
                D = self._shifted[start:stop]
            else:
                D = self._distances(start, stop, self._buffer[: stop - start])
            buf = work[: stop - start]
            torch.mul(D, c, out=buf)  # logits shifted so that the row max is 0
            buf.clamp_min_(_MIN_EXPONENT).exp_()
            if self.exclude_self:
                idx = torch.arange(stop - start, device=buf.device)
                buf[idx, idx + start] = 0.0
            s0[start:stop] = buf.sum(1)
            s1[start:stop] = buf.mul_(D).sum(1)
            if second:
                s2[start:stop] = buf.mul_(D).sum(1)
        lse = s0.log() + self.d_min * c
        mean_shifted = s1 / s0
        S = mean_shifted + self.d_min
        if not second:
            return lse, S
        V = (s2 / s0 - mean_shifted * mean_shifted).clamp_min_(0.0)  # shift-invariant
        return lse, S, V


def kde_log_density_and_dh(stats_lse, stats_S, bandwidth, n_centres, latent_dim):
    """KDE log density and its derivative in ``h`` from :class:`KernelSums` output."""
    h = float(bandwidth)
    log_pe = stats_lse - math.log(n_centres) - latent_dim * math.log(h) - 0.5 * latent_dim * _LOG_2PI
    dlog_pe_dh = stats_S / h**3 - latent_dim / h
    return log_pe, dlog_pe_dh


# -----------------------------------------------------------------------------
# Jensen-Shannon divergence (eq. 2) and the encoder's loss term (eq. 3)
# -----------------------------------------------------------------------------
def _jsd_from_log_densities(log_pe_e, log_pt_e, log_pe_t, log_pt_t):
    # log[2 p_e / (p_e + p_t)] = log 2 - softplus(log p_t - log p_e), and symmetrically.
    # Averaging the non-negative softplus terms before subtracting them from
    # log 2 keeps the result <= log 2 even after rounding.
    loss_e = F.softplus(log_pt_e - log_pe_e).mean()  # at z' ~ p_e
    loss_t = F.softplus(log_pe_t - log_pt_t).mean()  # at z'' ~ p_t
    return _LOG2 - 0.5 * (loss_e + loss_t)


def _jsd_bounded_from_log_densities(log_pe_e, log_pt_e, log_pe_t, log_pt_t):
    # JSD = E_M[log 2 - H_b(D)], M = (p_e + p_t) / 2, D = p_e / (p_e + p_t), H_b the binary entropy:
    # averaged over both sample sets (half each is a sample of M), every term is in [0, log 2].
    def term(logit):  # logit = log p_e - log p_t, so D = sigmoid(logit)
        D = torch.sigmoid(logit)
        entropy = D * F.softplus(-logit) + (1 - D) * F.softplus(logit)
        return (_LOG2 - entropy).mean()

    return (0.5 * (term(log_pe_e - log_pt_e) + term(log_pe_t - log_pt_t))).clamp(0.0, _LOG2)  # rounding


_JSD_FORMS = {"plug_in": _jsd_from_log_densities, "bounded": _jsd_bounded_from_log_densities}


def kde_jsd(centres, target, bandwidth, *, target_samples, queries=None, chunk_size=None, form="plug_in"):
    """KDE estimate of the Jensen-Shannon divergence of eq. 2, in nats.

    ``JSD = 1/2 E_{z'~p_e}[log 2 p_e/(p_e+p_t)] + 1/2 E_{z''~p_t}[log 2 p_t/(p_e+p_t)]``
    with ``p_e`` the KDE on ``centres`` and ``p_t`` the target's exact
    density. This is eq. 2 of the paper with its constants restored (eq. 2
    equals ``2 JSD - 2 log 2``), so a perfect match gives 0 and disjoint
    supports give ``log 2``.

    Every term is at most ``log 2``, so the estimate never exceeds ``log 2``.
    With ``form="plug_in"`` it can dip slightly below 0: the KDE evaluated at
    fresh samples is a noisy, smoothed density and the plug-in is biased (see
    the user guide); that value is not clipped. ``form="bounded"`` lies in
    ``[0, log 2]``.

    Parameters
    ----------
    centres : torch.Tensor of shape (m, l)
        Samples of the encoded distribution; the KDE ``p_e`` is built on them.
    target : Target
        The target distribution ``p_t``.
    bandwidth : float or torch.Tensor
        Kernel width ``h``.
    target_samples : torch.Tensor of shape (n_t, l)
        The samples ``z''`` from the target.
    queries : torch.Tensor of shape (n_e, l), default=None
        The samples ``z'`` from ``p_e``. ``None`` uses the centres with
        leave-one-out, so that no point sees its own kernel.
    chunk_size : int, default=None
        See :func:`log_kde`.
    form : {"plug_in", "bounded"}, default="plug_in"
        ``"plug_in"`` is eq. 2 as written: each expectation of a log ratio
        over its own samples. A log ratio is unbounded below, so a few
        samples where the KDE badly underestimates ``p_e`` (a cloud far wider
        than the bandwidth) can drive the estimate far below 0. ``"bounded"``
        uses the same divergence written as one expectation over the mixture
        ``M = (p_e + p_t) / 2``, ``JSD = E_M[log 2 - H_b(D)]`` with ``D = p_e
        / (p_e + p_t)`` and ``H_b`` the binary entropy, estimated on the
        union of both sample sets: every term lies in ``[0, log 2]``, so is
        the estimate, and it grows with the distance between the
        distributions in the cases where the plug-in turns back. Its cost: it
        is never below 0, so at a perfect match its bias is positive (about
        +0.004 for 1000 samples in 2-D, where the plug-in reads about -0.003).

    Returns
    -------
    jsd : torch.Tensor, 0-d
        Differentiable in the samples and the bandwidth.
    """
    if form not in _JSD_FORMS:
        raise ValueError(f"form must be one of {sorted(_JSD_FORMS)}, got {form!r}.")
    log_pe_e, log_pt_e, log_pe_t, log_pt_t = _jsd_log_densities(
        centres, target, bandwidth, target_samples, queries, chunk_size
    )
    return _JSD_FORMS[form](log_pe_e, log_pt_e, log_pe_t, log_pt_t)


def _jsd_log_densities(centres, target, bandwidth, target_samples, queries, chunk_size):
    loo = queries is None
    queries = centres if loo else queries
    log_pe_e = log_kde(queries, centres, bandwidth, leave_one_out=loo, chunk_size=chunk_size)
    log_pe_t = log_kde(target_samples, centres, bandwidth, chunk_size=chunk_size)
    return log_pe_e, target.log_prob(queries), log_pe_t, target.log_prob(target_samples)


def kde_jsd_grad_bandwidth(centres, target, bandwidth, *, target_samples, queries=None, chunk_size=None):
    """Analytic derivative of :func:`~skgen.kde.kde_jsd` in the bandwidth (supplement eq. 2).

    With ``A(z) = d log p_e(z) / dh = (sum_i w_i |z - z_i|^2) / h^3 - l / h``
    and ``r = p_e / (p_e + p_t)``::

        dJSD/dh = 1/2 E_{z'}[(1 - r) A] - 1/2 E_{z''}[r A]

    which is the paper's supplement eq. 2 (halved, as :func:`kde_jsd` is).

    Parameters
    ----------
    centres, target, target_samples, queries, chunk_size
        As in :func:`kde_jsd`.
    bandwidth : float
        Kernel width ``h`` at which the derivative is taken.

    Returns
    -------
    grad : float
        ``dJSD/dh`` of the plug-in estimate (``form="plug_in"``).
    """
    h = check_bandwidth(bandwidth)
    loo = queries is None
    queries = centres if loo else queries
    m, l = centres.shape
    with torch.no_grad():
        parts = []
        for pts, self_ex in ((queries, loo), (target_samples, False)):
            sums = KernelSums(pts, centres, exclude_self=self_ex, chunk_size=chunk_size, cache_entries=0)
            lse, S = sums(h)
            log_pe, A = kde_log_density_and_dh(lse, S, h, m - 1 if self_ex else m, l)
            r = torch.sigmoid(log_pe - target.log_prob(pts))
            parts.append((r, A))
        (r_e, A_e), (r_t, A_t) = parts
        return float(0.5 * ((1 - r_e) * A_e).mean() - 0.5 * (r_t * A_t).mean())


def jsd_loss(
    z, centres, target, bandwidth, *, exclude=None, form="saturating", lagged_z=None, log_floor=None, chunk_size=None
):
    """The encoder's JSD term of eq. 3 averaged over a minibatch.

    ``form="saturating"`` is the paper's term, ``mean log[p_e / (p_t + p_e)]``
    (the first term of eq. 2 without constants). ``form="non_saturating"``
    minimises ``mean log[(p_t + p_e) / p_t]`` instead: the same stationary
    point, but its gradient does not vanish when the codes sit where
    ``p_t << p_e`` (the trick of the non-saturating GAN loss).

    Parameters
    ----------
    z : torch.Tensor of shape (n_batch, l)
        Minibatch codes ``z'``, usually requiring grad.
    centres : torch.Tensor of shape (m, l)
        The lagged KDE set (detached).
    target : Target
    bandwidth : float
    exclude : torch.Tensor of shape (n_batch,), default=None
        Index of each minibatch sample's own lagged code in ``centres``
        (-1 when it is not there); see :func:`log_kde`.
    form : {"saturating", "non_saturating"}, default="saturating"
    lagged_z : torch.Tensor of shape (n_batch, l), default=None
        The same samples encoded by the lagged encoder that produced
        ``centres``. When given, ``p_e`` is evaluated there, so that each
        sample is compared with the KDE set in one consistent state of the
        encoder, and the gradient of ``log p_e`` at ``lagged_z`` is applied
        to ``z`` (``p_t`` is evaluated at ``z``). Without it, the current
        codes are compared with lagged ones, which repels every code from the
        stale copies of its neighbours.
    log_floor : float, default=None
        A floor ``c`` under the KDE density, ``p_e <- p_e + c`` (given as
        ``log c``). Where the target density is below ``c`` the term then
        pulls a code back towards the target even when no other code is
        near it; where ``p_t >> c`` it changes nothing. See
        :func:`~skgen.targets.log_prob_quantile`.
    chunk_size : int, default=None

    Returns
    -------
    loss : torch.Tensor, 0-d
    """
    if form not in ("saturating", "non_saturating"):
        raise ValueError(f"form must be 'saturating' or 'non_saturating', got {form!r}.")
    query = z
    if lagged_z is not None:
        if lagged_z.shape != z.shape:
            raise ValueError(f"lagged_z has shape {tuple(lagged_z.shape)} but z has {tuple(z.shape)}.")
        query = lagged_z.detach() + (z - z.detach())  # value at lagged_z, gradient to z
    log_pe = log_kde(query, centres, bandwidth, exclude=exclude, chunk_size=chunk_size)
    if log_floor is not None:
        if math.isnan(float(log_floor)):
            raise ValueError("log_floor is NaN; give the log of a density floor, or None.")
        log_pe = torch.logaddexp(log_pe, log_pe.new_tensor(float(log_floor)))
    log_pt = target.log_prob(z)
    if form == "saturating":
        return -F.softplus(log_pt - log_pe).mean()
    return F.softplus(log_pe - log_pt).mean()


# -----------------------------------------------------------------------------
# Entropy (eq. 9) with the fixed-point bandwidth (supplement eq. 5)
# -----------------------------------------------------------------------------
def kde_subset(n, m, generator, device=None):
    """A random KDE set of ``m`` of ``n`` rows, and where each row sits in it.

    Parameters
    ----------
    n, m : int
        Rows available and the size of the set (``m <= n``).
    generator : torch.Generator
        The CPU generator that draws the subset.
    device : torch.device, default=None

    Returns
    -------
    index : torch.Tensor of shape (m,), int64
        The rows in the set, in set order.
    slot : torch.Tensor of shape (n,), int64
        For every row its position in the set, ``-1`` outside it: what a
        minibatch row's own code is left out of the KDE by (``exclude``).
    """
    n, m = check_positive_int(n, "n"), check_positive_int(m, "m")
    if m > n:
        raise ValueError(f"a KDE set of m={m} rows cannot be drawn from n={n} rows.")
    index = torch.randperm(n, generator=generator)[:m].to(device)
    return index, kde_slots(index, n)


def kde_slots(index, n):
    """Where each of ``n`` rows sits in the KDE set ``index`` (``-1`` outside it).

    Parameters
    ----------
    index : torch.Tensor of shape (m,), int64
        Distinct rows, in set order.
    n : int

    Returns
    -------
    slot : torch.Tensor of shape (n,), int64, on ``index``'s device
    """
    slot = torch.full((n,), -1, dtype=torch.int64, device=index.device)
    slot[index] = torch.arange(index.shape[0], device=index.device)
    return slot


def rolling_refresh_rows(m, every, start, device=None):
    """The rows of a KDE set the rolling scheme re-encodes after one minibatch.

    ``ceil(m / every)`` consecutive rows from ``start`` (wrapping around), so
    that every code is at most ``every`` minibatches old and the cost is
    spread evenly over the minibatches.

    Returns
    -------
    rows : torch.Tensor of shape (ceil(m / every),), int64
    next_start : int
    """
    m, every = check_positive_int(m, "m"), check_positive_int(every, "every")
    size = -(-m // every)
    rows = (torch.arange(size, device=device) + start) % m
    return rows, (start + size) % m


def whiten(Z, *, eps=1e-10):
    """Centre ``Z`` and map its sample covariance to the identity (section 5.2).

    Uses the symmetric (ZCA) whitening ``(Z - mean) C^{-1/2}``; the isotropic
    kernel makes the entropy estimate invariant to the choice of rotation.

    Parameters
    ----------
    Z : torch.Tensor of shape (n, l)
    eps : float, default=1e-10
        A covariance eigenvalue at most ``eps`` times the largest counts as
        zero.

    Returns
    -------
    Z_white : torch.Tensor of shape (n, l)
        Same dtype as ``Z``.

    Raises
    ------
    ValueError
        When the covariance is singular: a direction with no variance cannot
        be whitened, and its entropy would be minus infinity.
    """
    Z = Z - Z.mean(0)
    cov = Z.T @ Z / (Z.shape[0] - 1)
    evals, evecs = torch.linalg.eigh(cov.to(torch.float64))
    scale = evals.abs().max().clamp_min(1e-300)
    if bool((evals <= eps * scale).any()):
        raise ValueError(
            "cannot whiten: the sample covariance is singular (rank "
            f"{int((evals > eps * scale).sum())} of {Z.shape[1]}). Some latent directions "
            "are constant or collinear, or there are fewer samples than dimensions."
        )
    W = (evecs * evals.rsqrt()) @ evecs.T
    return Z @ W.to(Z.dtype)


def entropy_bandwidth(Z, *, h0=None, tol=1e-6, max_iter=100, chunk_size=None, return_n_iter=False):
    """Bandwidth of the leave-one-out KDE entropy: the fixed point of supplement eq. 5.

    ``h^2 = F(h^2) = 1/(l m) sum_i [sum_{j!=i} |z_j - z_i|^2 G_h(z_j - z_i)] / [sum_{j!=i} G_h(z_j - z_i)]``

    Its fixed point is the stationary point in ``h`` of the leave-one-out
    log-likelihood, i.e. of the entropy estimate of eq. 9. Plain iteration of
    the update converges only linearly (slowly when ``F' ~ 1``), so each step
    here is a Newton step on ``F(h^2) - h^2``, whose derivative comes from the
    same kernel pass (``dF/dh^2 = mean_i Var_w(d) / (2 l h^4)``); when that
    step is not usable the plain update is taken. Both converge to the same
    fixed point.

    Parameters
    ----------
    Z : torch.Tensor of shape (m, l)
    h0 : float, default=None
        Starting point; default Scott's rule ``std * m^(-1/(l+4))``.
    tol : float, default=1e-6
        Relative change of ``h`` at which to stop.
    max_iter : int, default=100
    chunk_size : int, default=None
    return_n_iter : bool, default=False

    Returns
    -------
    h : float
    n_iter : int
        Only with ``return_n_iter``.
    """
    Z = check_samples(Z, "Z", min_samples=2)
    sums = KernelSums(Z, Z, exclude_self=True, chunk_size=chunk_size)
    h, n_iter = _entropy_fixed_point(sums, Z, h0, tol, max_iter)
    return (h, n_iter) if return_n_iter else h


def _entropy_fixed_point(sums, Z, h0, tol, max_iter):
    m, l = Z.shape
    if h0 is None:
        std = float(Z.double().std(0).mean())
        h0 = max(std, 1e-12) * m ** (-1.0 / (l + 4))
    h2 = check_bandwidth(h0, "h0") ** 2
    for it in range(1, max_iter + 1):
        _, S, V = sums(math.sqrt(h2), second=True)
        F_val = float(S.double().mean()) / l  # the eq. 5 update
        slope = float(V.double().mean()) / (2.0 * l * h2 * h2) - 1.0  # d(F - h^2)/dh^2
        new = h2 - (F_val - h2) / slope if slope < 0 else F_val
        if not new > 0:
            new = F_val
        if not (new > 0 and math.isfinite(new)):
            raise ValueError(
                "the entropy bandwidth fixed point failed: the samples are too close "
                "together (duplicates?) to define a kernel width."
            )
        done = abs(math.sqrt(new) - math.sqrt(h2)) <= tol * math.sqrt(h2)
        h2 = new
        if done:
            return math.sqrt(h2), it
    warnings.warn(
        f"the entropy bandwidth fixed point did not converge in {max_iter} steps; using h={math.sqrt(h2):.4g}.",
        RuntimeWarning,
        stacklevel=3,
    )
    return math.sqrt(h2), max_iter


def kde_entropy(Z, bandwidth=None, *, chunk_size=None, return_bandwidth=False):
    """Leave-one-out Gaussian KDE entropy of a sample, eq. 9, in nats.

    ``H = -1/m sum_i log[1/(m-1) sum_{j != i} G_h(z_i - z_j)]``

    Parameters
    ----------
    Z : array-like or torch.Tensor of shape (m, l)
        Samples, at least 2. Numpy arrays are accepted.
    bandwidth : float, default=None
        Kernel width. ``None`` solves the fixed point of supplement eq. 5
        (:func:`~skgen.kde.entropy_bandwidth`), the maximum leave-one-out likelihood
        bandwidth.
    chunk_size : int, default=None
    return_bandwidth : bool, default=False
        Also return the bandwidth used.

    Returns
    -------
    entropy : float
    bandwidth : float
        Only with ``return_bandwidth``.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen.kde import kde_entropy
    >>> Z = np.random.RandomState(0).standard_normal((2000, 2))
    >>> round(kde_entropy(Z), 2)  # closed form: log(2 pi e) = 2.838
    2.82
    """
    Z = check_samples(Z, "Z", min_samples=2)
    m, l = Z.shape
    if bandwidth is None:
        sums = KernelSums(Z, Z, exclude_self=True, chunk_size=chunk_size)
        h, _ = _entropy_fixed_point(sums, Z, None, 1e-6, 100)
    else:
        h = check_bandwidth(bandwidth)
        sums = KernelSums(Z, Z, exclude_self=True, chunk_size=chunk_size, cache_entries=0)
    lse, _ = sums(h)
    log_p, _ = kde_log_density_and_dh(lse.double(), torch.zeros(()), h, m - 1, l)
    H = -float(log_p.mean())
    return (H, h) if return_bandwidth else H

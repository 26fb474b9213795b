"""The autoencoder base class and the one training loop all skgen models share.

``BaseAutoencoder`` is a template: it validates data, builds the encoder and
decoder, resolves the device, runs minibatch Adam over epochs with early
stopping and a per-epoch ``history_``, and implements ``transform``,
``inverse_transform`` and pickling. A model supplies small hooks:

* ``_setup_networks(X_train)``: once the networks are built and the data
  split, before anything is encoded (e.g. to fit fixed input/output scaling
  layers on the training data);
* ``_setup_penalty(X_train, generator)``: once, before the first epoch;
* ``_penalty(h, batch_idx)``: the latent penalty of a minibatch (added to the
  reconstruction loss, so that its gradient reaches the encoder only);
* ``_after_step(h, batch_idx, step)``: after each optimizer step (e.g. an
  adversary's own update); may return a dict of scalars for ``history_``;
* ``_validation_penalty(h, X_val)``: the penalty on held-out codes ``h`` of
  the held-out samples ``X_val``;
* ``_n_epochs(n_minibatches)``: the epochs to train, given the minibatches
  in an epoch (``max_iter``; ``"auto"``: ``AUTO_UPDATES`` updates, at least
  ``AUTO_MIN_EPOCHS`` epochs);
* ``_decoder_epochs(n_epochs)``: how many of them, at the end, train the
  decoder alone (0 by default);
* ``_epoch_order(n, generator)``: the order an epoch visits the training
  samples in (a fresh permutation by default; GEN draws them ahead to know
  which samples the coming minibatches hold);
* ``_stops_on_plateau(joint)``: whether a phase without a validation set stops
  when the monitored training term stops improving (True by default);
* ``_finish_fit(Xt)``: once, after training.

Training has up to two phases. In the joint phase every minibatch updates the
encoder and the decoder on reconstruction plus penalty. In the decoder phase
(the last ``_decoder_epochs(n_epochs)`` epochs, or as many after the joint phase stops
on no improvement) the encoder is frozen in evaluation mode and the decoder
alone is trained on reconstruction, on the codes ``transform`` will return.

Here ``h`` is the encoder's output. For GEN and the adversarial autoencoder it
is the code itself; models whose encoder emits more (the VAE's mean and
log-variance) say so with four more hooks, all identities by default:

* ``_encoder_width()``: the encoder's output width (``latent_dim``);
* ``_code(h)``: the deterministic code of an encoder output (``transform``);
* ``_training_code(h)``: the code the decoder sees in training (a
  reparameterised sample for the VAE);
* ``_decoded_data(out)``: data from the decoder's output (``inverse_transform``
  and ``sample``; a sigmoid for Bernoulli logits).

``_reconstruction(x, out)`` is the reconstruction term of the loss (GEN's
squared error by default) and ``_batch_metrics(x, out, recon)`` reports extra
per-minibatch scalars; a ``"reconstruction"`` entry replaces the recorded
term, so that a model whose loss uses a likelihood (the VAE) still records
the mean squared error in ``history_["reconstruction"]``, comparable with
GEN's. Keys a model adds to ``history_`` are listed in ``_extra_history``.

GEN (``GENAutoencoder``) is one such model; the adversarial and variational
baselines (``skgen.baselines``) are others, so that differences come from the
penalty alone.
"""

import contextlib
import copy
import math
import sys
import threading
import time
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .nn import ACTIVATIONS, build_module, check_layer_sizes, check_output_width, evaluating, make_mlp
from .utils._state import unfitted_on_error
from .utils._torch import as_tensor, draw_seed, make_generator, resolve_device, to_numpy
from .utils._validation import check_float32_range, check_samples

__all__ = ["BaseAutoencoder", "EarlyStopping", "TorchModulesMixin", "device_generator", "minibatches", "seeded_modules"]

_ENCODE_BATCH = 4096
# max_iter="auto": enough epochs for AUTO_UPDATES minibatch updates, and at least
# AUTO_MIN_EPOCHS. A latent penalty shapes the codes update by update: on small data
# 100 epochs left GEN's codes clustered (benchmarks/RESULTS.md, section 6.1a); it overfits
# such data, so it is an option, not the default.
AUTO_UPDATES = 10000
AUTO_MIN_EPOCHS = 100
# Re-entrant: a seeded training section builds the adversary's modules with seeded_modules.
_GLOBAL_RNG_LOCK = threading.RLock()


def seeded_modules(seed, build):
    """Call ``build()`` with torch's global RNG seeded by ``seed``, restoring it afterwards.

    Module constructors draw their initial weights from the global RNG; this
    makes them reproducible without library code leaving a trace on it. A
    lock serialises the seeded sections, so two fits in two threads cannot
    draw from each other's seed.
    """
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        # the CPU generator only (restored on exit); torch.manual_seed would also reseed, and
        # leave reseeded, every CUDA generator
        torch.default_generator.manual_seed(seed)
        return build()


@contextlib.contextmanager
def seeded_global_rng(seed, device):
    """Run the block with torch's global RNG (CPU, and ``device`` if CUDA) seeded, restoring it after.

    Layers such as ``torch.nn.Dropout`` draw from the global RNG in every
    forward pass; seeded here, a fit with an int ``random_state`` repeats,
    and leaves the caller's RNG as it was. The lock serialises such sections
    across threads, which share the global RNG.
    """
    cuda = device.type == "cuda"
    index = (device.index if device.index is not None else torch.cuda.current_device()) if cuda else None
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[index] if cuda else []):
        torch.default_generator.manual_seed(seed)
        if cuda:
            torch.cuda.default_generators[index].manual_seed(seed)
        yield


class EarlyStopping:
    """The stopping rule every skgen training loop follows, and the best weights it keeps.

    An epoch improves when its monitored value is below the best so far by
    more than ``tol``; its weights are then kept (``snapshot()``). After
    ``patience`` epochs in a row without improvement, :meth:`update` returns
    True: stop. A NaN value never improves.
    """

    def __init__(self, tol, patience, snapshot):
        self.tol, self.patience, self._snapshot = tol, patience, snapshot
        self.best, self.state, self.no_improve, self.stopped = math.inf, None, 0, False

    def update(self, value):
        """Record one epoch's monitored value; True when training should stop."""
        if value < self.best - self.tol:
            self.best, self.no_improve, self.state = value, 0, self._snapshot()
            return False
        self.no_improve += 1
        self.stopped = self.no_improve >= self.patience
        return self.stopped


def minibatch_starts(n, batch_size):
    """Where each of an epoch's minibatches starts. A last minibatch of one sample joins the
    one before it: batch-norm layers cannot train on a single row."""
    starts = list(range(0, n, batch_size))
    if batch_size > 1 and len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return starts


def minibatches(n, batch_size, generator, device, order=None):
    """``(start, rows)`` of one epoch's minibatches over ``n`` samples, in ``order`` (a permutation of
    ``range(n)``) or, without it, in an order drawn from ``generator``; see :func:`minibatch_starts`."""
    perm = (torch.randperm(n, generator=generator) if order is None else order).to(device)
    starts = minibatch_starts(n, batch_size)
    for start, stop in zip(starts, [*starts[1:], n], strict=True):
        yield start, perm[start:stop]


def device_generator(generator, device):
    """A ``torch.Generator`` on ``device`` seeded from the CPU ``generator``."""
    seed = draw_seed(generator)
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


class TorchModulesMixin:
    """Pickling for estimators holding torch modules: they travel on the CPU.

    The fitted modules are named in ``_module_attrs``; ``__setstate__`` puts
    them back on the fitted device, or on the CPU when CUDA is unavailable.
    The pickle records the skgen version (and, through scikit-learn's
    ``BaseEstimator``, scikit-learn's); unpickling under another skgen
    version warns, since the fitted attributes may have changed meaning.
    """

    _module_attrs = ()

    def __getstate__(self):
        state = dict(super().__getstate__())  # BaseEstimator's adds _sklearn_version
        for key in self._module_attrs:
            if key in state:
                state[key] = _module_to_cpu(state[key])
        state["_skgen_version"] = _skgen_version()
        return state

    def __setstate__(self, state):
        state = dict(state)
        saved = state.pop("_skgen_version", "unknown (before 0.1.0)")
        if saved != _skgen_version():
            warnings.warn(
                f"unpickling {type(self).__name__} saved by skgen {saved} under skgen {_skgen_version()}: "
                "the model may not behave as when it was saved. Refit it with this version if in doubt.",
                UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
        if "device_" in state:
            wanted = state["device_"]
            if wanted.type == "cuda" and not torch.cuda.is_available():
                self.device_ = torch.device("cpu")
            self._move_to(self.device_)

    def _move_to(self, device):
        for key in self._module_attrs:
            if key in self.__dict__:
                self.__dict__[key] = self.__dict__[key].to(device)


def _skgen_version():
    from . import __version__

    return __version__


class BaseAutoencoder(TorchModulesMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared machinery of skgen's autoencoders (not used directly)."""

    _module_attrs = ("encoder_", "decoder_")
    _extra_history = ()  # per-epoch keys a model adds to history_ (from _after_step / _batch_metrics)
    # What early stopping and the best-epoch restore watch: "loss" (reconstruction plus
    # penalty) or "reconstruction" (for penalties whose value is no measure of progress).
    _monitor = "loss"

    _parameter_constraints = {
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "encoder": [None, HasMethods(["forward"]), callable],
        "decoder": [None, HasMethods(["forward"]), callable],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "beta1": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str, torch.device, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # -- hooks ----------------------------------------------------------------
    def _setup_networks(self, X_train):
        """Adapt the freshly built ``encoder_``/``decoder_`` to the training data (no-op)."""

    def _setup_penalty(self, X_train, generator):
        """Prepare the latent penalty once the networks exist."""

    def _penalty(self, h, batch_idx):
        """Latent penalty of a minibatch of encoder outputs (0-d tensor), or None."""
        return None

    def _after_step(self, h, batch_idx, step):
        """Called after every optimizer step with the (pre-step, detached) encoder
        outputs; may return a dict of scalars averaged into ``history_``."""

    def _validation_penalty(self, h, X_val):
        return None

    def _n_epochs(self, n_minibatches):
        """Epochs to train when an epoch has ``n_minibatches`` minibatches."""
        if self.max_iter == "auto":
            return max(AUTO_MIN_EPOCHS, math.ceil(AUTO_UPDATES / n_minibatches))
        return self.max_iter

    def _decoder_epochs(self, n_epochs):
        """Epochs at the end of training (of ``n_epochs``) that update the decoder alone."""
        return 0

    def _epoch_order(self, n, generator):
        """The order in which an epoch visits the ``n`` training samples: a permutation, on the CPU."""
        return torch.randperm(n, generator=generator)

    def _stops_on_plateau(self, joint):
        """Whether a phase without a validation set stops when the monitored
        training term has not improved by ``tol`` for ``n_iter_no_change`` epochs."""
        return True

    def _encoder_width(self):
        """Number of encoder outputs."""
        return self.latent_dim

    def _code(self, h):
        """The deterministic latent code of an encoder output (what ``transform`` returns)."""
        return h

    def _training_code(self, h):
        """The code fed to the decoder during training."""
        return h

    def _decoded_data(self, out):
        """Data-space values from the decoder's output."""
        return out

    def _batch_metrics(self, x, out, recon):
        """Extra per-minibatch scalars for ``history_`` (computed without gradients)."""
        return {}

    def _reconstruction(self, x, x_hat):
        """Per-sample reconstruction error averaged over the batch.

        ``reconstruction="mean"`` averages the squared error over features as
        well (so the penalty weight is per feature and does not scale with the
        data dimension); ``"sum"`` sums it over features, as eq. 3 of the paper.
        """
        err = (x - x_hat).pow(2)
        return err.sum(1).mean() if getattr(self, "reconstruction", "mean") == "sum" else err.mean()

    # -- fitting --------------------------------------------------------------
    def _validate_X(self, X, reset):
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=2 if reset else 1)
        return check_float32_range(X)

    def _build_networks(self, n_features, rng):
        """Encoder and decoder, initialised from ``rng`` without touching torch's global seed."""
        seed = draw_seed(rng)
        width = self._encoder_width()

        def build():
            if self.encoder is None:
                enc = make_mlp(n_features, width, self.hidden_layer_sizes, self.activation)
            else:
                enc = build_module(self.encoder, n_features, width, "encoder")
            if self.decoder is None:
                hidden = check_layer_sizes(self.hidden_layer_sizes)[::-1]
                dec = make_mlp(self.latent_dim, n_features, hidden, self.activation)
            else:
                dec = build_module(self.decoder, self.latent_dim, n_features, "decoder")
            return enc, dec

        enc, dec = seeded_modules(seed, build)
        return enc.to(self.device_), dec.to(self.device_)

    @unfitted_on_error
    def fit(self, X, y=None):
        """Train the autoencoder on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = self._validate_X(X, reset=True)
        self.device_ = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        self.encoder_, self.decoder_ = self._build_networks(X.shape[1], rng)
        self._n_features_out = self.latent_dim
        Xt = as_tensor(X, dtype=torch.float32, device=self.device_)
        check_output_width(self.encoder_, Xt[:2], self._encoder_width(), "encoder", output_dtypes=(torch.float32,))
        check_output_width(self.decoder_, torch.zeros(2, self.latent_dim, device=self.device_), X.shape[1], "decoder")
        batch_norm = [
            name
            for name, module in (("encoder", self.encoder_), ("decoder", self.decoder_))
            if any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules())
        ]
        if batch_norm and self.batch_size < 2:
            raise ValueError(
                f"batch_size=1 cannot train the batch-norm layers of the {' and '.join(batch_norm)}: they need "
                "at least 2 samples per minibatch. Use batch_size >= 2."
            )
        cpu_gen = make_generator(rng)  # minibatch order, validation split, KDE subset
        # Custom modules may draw from torch's global RNG (dropout): seed it for the fit. The
        # default MLPs draw nothing from it, so their fits in threads need not wait for each other.
        custom = self.encoder is not None or self.decoder is not None
        global_rng = seeded_global_rng(draw_seed(rng), self.device_) if custom else contextlib.nullcontext()

        n = Xt.shape[0]
        if self.early_stopping:
            n_val = max(1, int(round(self.validation_fraction * n)))
            if n - n_val < 2:
                raise ValueError(
                    f"early_stopping holds out {n_val} of {n} samples, leaving fewer than 2 to train on; "
                    "use more data or early_stopping=False."
                )
            perm = torch.randperm(n, generator=cpu_gen).to(self.device_)
            val_idx, train_idx = perm[:n_val], perm[n_val:]
            X_train, X_val = Xt[train_idx], Xt[val_idx]
        else:
            X_train, X_val, train_idx = Xt, None, torch.arange(n, device=self.device_)
        self._train_idx = train_idx  # rows of X used for training, for hooks that need y
        self._fit_dtype = X.dtype
        with global_rng:
            self._setup_networks(X_train)
            self._setup_penalty(X_train, cpu_gen)
            self._train(X_train, X_val, cpu_gen)
            self._finish_fit(Xt)
        return self

    def _finish_fit(self, Xt):
        """Called after training with the whole validated training set (a tensor)."""

    def _train(self, X_train, X_val, gen):
        initial_error = self._data_space_error(X_train)
        params = list(self.encoder_.parameters()) + list(self.decoder_.parameters())
        optimizer = torch.optim.Adam(params, lr=self.learning_rate, betas=(self.beta1, 0.999))
        n = X_train.shape[0]
        batch = min(self.batch_size, n)
        name = getattr(self, "_penalty_name", "penalty")
        keys = ["loss", "reconstruction", name, *self._extra_history]
        history = {key: [] for key in [*keys, "validation_loss", "seconds"]}
        n_minibatches = len(minibatch_starts(n, batch))
        n_epochs = self._n_epochs(n_minibatches)
        n_decoder = min(self._decoder_epochs(n_epochs), n_epochs - 1)
        phases = [(True, n_epochs - n_decoder)] + ([(False, n_decoder)] if n_decoder > 0 else [])
        self._step = 0
        self.n_iter_ = 0
        bar = _progress(n_epochs * n_minibatches) if self.verbose >= 2 else None
        for joint, max_epochs in phases:
            stopping = EarlyStopping(self.tol, self.n_iter_no_change, self._snapshot)
            watched = X_val is not None or self._stops_on_plateau(joint)
            for _ in range(max_epochs):
                t0 = time.perf_counter()
                sums = self._epoch(X_train, gen, optimizer, batch, keys, name, joint, bar)
                with_penalty = joint and self._monitor == "loss"
                val = self._validation_loss(X_val, with_penalty) if X_val is not None else math.nan
                seconds = time.perf_counter() - t0
                for key in keys:
                    history[key].append(float(sums[key]))
                history["validation_loss"].append(float(val))
                history["seconds"].append(float(seconds))
                self.n_iter_ += 1
                if self.verbose == 1:
                    extra = "".join(f"  {key} {sums[key]:.5f}" for key in self._extra_history)
                    print(
                        f"epoch {self.n_iter_:4d}  loss {sums['loss']:.5f}  reconstruction "
                        f"{sums['reconstruction']:.5f}  {name} {sums[name]:+.5f}{extra}  validation {val:.5f}  "
                        f"{seconds:.2f}s" + ("" if joint else "  (decoder only)"),
                        file=sys.stderr,
                    )
                if watched and stopping.update(val if X_val is not None else sums[self._monitor]):
                    break
            # With a validation set, or when the monitored term stopped improving (e.g.
            # after a loss spike late in training), keep the weights of the phase's best epoch.
            if (X_val is not None or stopping.stopped) and stopping.state is not None:
                self._restore(stopping.state)
        if bar is not None:
            bar.close()
        for key in ("_train_idx", "_step"):
            self.__dict__.pop(key, None)
        self.history_ = history
        self.encoder_.eval()
        self.decoder_.eval()
        self._check_not_diverged(X_train, initial_error)

    @torch.no_grad()
    def _data_space_error(self, X):
        """Mean squared error of the current model on (up to 4096) rows of ``X``, in data space."""
        Xs = X[:_ENCODE_BATCH]
        X_hat = self._decoded_data(self._decode_tensor(self._encode_tensor(Xs)))
        return float((Xs - X_hat).double().pow(2).mean())

    def _divergence_advice(self, penalty_failed):
        """What the divergence messages suggest; ``penalty_failed``: the penalty alone is not finite."""
        return (
            "Try a smaller learning_rate, standardising the data (e.g. StandardScaler in a Pipeline), or a "
            "smaller penalty weight."
        )

    def _check_not_diverged(self, X_train, initial_error):
        """Refuse a model the optimiser threw away after the last loss check.

        The loss is checked before each step, so a last step that overflows, or
        steps that leave finite but enormous weights, would otherwise be
        returned. Diverged: a non-finite weight, or a training reconstruction
        error 1000 times that of the untrained network and of predicting the mean.
        """
        bad = [
            name
            for name, p in [
                *self.encoder_.named_parameters(prefix="encoder"),
                *self.decoder_.named_parameters(prefix="decoder"),
            ]
            if not bool(torch.isfinite(p).all())
        ]
        error = self._data_space_error(X_train)
        Xs = X_train[:_ENCODE_BATCH].double()
        reference = max(initial_error, float((Xs - Xs.mean(0)).pow(2).mean()), 1e-12)
        if bad or not math.isfinite(error) or error > 1e3 * reference:
            what = (
                f"non-finite weights in {', '.join(bad[:3])}"
                if bad
                else f"a training reconstruction error of {error:.3g}, {error / reference:.3g}x that of the "
                "untrained network"
            )
            raise FloatingPointError(
                f"training diverged: after {self.n_iter_} epoch(s) the model has {what}. "
                + self._divergence_advice(False)
            )

    def _epoch(self, X_train, gen, optimizer, batch, keys, name, joint, bar):
        """One pass over the training data; the per-sample means of ``keys``.

        ``joint``: the encoder and decoder are trained on reconstruction plus
        penalty; otherwise the decoder alone on the frozen encoder's codes.
        """
        self.encoder_.train(joint)
        self.decoder_.train()
        n = X_train.shape[0]
        sums = dict.fromkeys(keys, 0.0)
        for start, idx in minibatches(n, batch, gen, X_train.device, order=self._epoch_order(n, gen)):
            x = X_train[idx]
            with torch.set_grad_enabled(joint):
                h = self.encoder_(x)
            out = self.decoder_(self._training_code(h))
            recon = self._reconstruction(x, out)
            try:
                penalty = self._penalty(h, idx) if joint else None
            except ValueError:  # a penalty that refuses non-finite codes (a KDE): the encoder diverged
                if bool(torch.isfinite(h).all()):
                    raise
                raise FloatingPointError(
                    f"the encoder's output became non-finite in epoch {self.n_iter_ + 1} (minibatch starting at "
                    f"{start}). " + self._divergence_advice(False)
                ) from None
            loss = recon if penalty is None else recon + penalty
            loss_value = loss.item()  # one host sync per minibatch for the check and history_
            if not math.isfinite(loss_value):
                penalty_failed = penalty is not None and math.isfinite(recon.item())
                raise FloatingPointError(
                    f"the training loss became {loss_value} in epoch {self.n_iter_ + 1} (minibatch starting "
                    f"at {start}{f', in its {name} term' if penalty_failed else ''}). "
                    + self._divergence_advice(penalty_failed)
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            self._step += 1
            values = {
                "loss": loss_value,
                "reconstruction": recon.item(),
                name: (0.0 if penalty is None else penalty.item()) if joint else math.nan,
            }
            with torch.no_grad():
                values.update(self._batch_metrics(x, out.detach(), recon.detach()))
            if joint:
                values.update(self._after_step(h.detach(), idx, self._step) or {})
            for key in keys:
                sums[key] += idx.shape[0] * values.get(key, math.nan)
            if bar is not None:
                bar.update(1)
        return {key: value / n for key, value in sums.items()}

    def _snapshot(self):
        return (
            {k: v.detach().clone() for k, v in self.encoder_.state_dict().items()},
            {k: v.detach().clone() for k, v in self.decoder_.state_dict().items()},
        )

    def _restore(self, state):
        self.encoder_.load_state_dict(state[0])
        self.decoder_.load_state_dict(state[1])

    @torch.no_grad()
    def _validation_loss(self, X_val, with_penalty=True):
        """Reconstruction (plus, with ``with_penalty``, the penalty) of the held-out samples."""
        h = self._encoder_output(X_val)
        recon = self._reconstruction(X_val, self._decode_tensor(self._code(h)))
        penalty = self._validation_penalty(h, X_val) if with_penalty else None
        return float(recon if penalty is None else recon + penalty)

    # -- inference: batched, without gradients, in evaluation mode (as transform would) ----
    @torch.no_grad()
    def _encoder_output(self, X):
        with evaluating(self.encoder_):
            out = torch.cat([self.encoder_(X[i : i + _ENCODE_BATCH]) for i in range(0, X.shape[0], _ENCODE_BATCH)])
        expected = (X.shape[0], self._encoder_width())
        if tuple(out.shape) != expected:  # e.g. a custom encoder that squeezes a batch of one
            raise ValueError(
                f"the encoder returned output of shape {tuple(out.shape)} for {X.shape[0]} sample(s); expected "
                f"{expected}."
            )
        return out

    def _encode_tensor(self, X):
        """Latent codes of a tensor, batched, without gradients."""
        return self._code(self._encoder_output(X))

    @torch.no_grad()
    def _decode_tensor(self, Z):
        with evaluating(self.decoder_):
            return torch.cat([self.decoder_(Z[i : i + _ENCODE_BATCH]) for i in range(0, Z.shape[0], _ENCODE_BATCH)])

    def transform(self, X):
        """Latent codes ``E(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim), dtype of X
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        Z = self._encode_tensor(as_tensor(X, dtype=torch.float32, device=self.device_))
        return to_numpy(Z, X.dtype)

    def inverse_transform(self, X):
        """Decoded data ``D(z)`` of latent codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, latent_dim)
            Latent codes (named ``X`` as in scikit-learn's transformers).

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        Z = _check_codes(X, self.latent_dim)
        out = self._decoded_data(self._decode_tensor(as_tensor(Z, dtype=torch.float32, device=self.device_)))
        return to_numpy(out, Z.dtype)

    def _generate(self, dist, n_samples, random_state):
        """Decode ``n_samples`` codes drawn from ``dist``; with their components for a mixture."""
        check_is_fitted(self)
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        gen = make_generator(random_state)
        if hasattr(dist, "component_log_prob"):
            z, labels = dist.sample(n_samples, gen, return_labels=True)
        else:
            z, labels = dist.sample(n_samples, gen), None
        out = self._decode_tensor(z.to(torch.float32).to(self.device_))
        X = to_numpy(self._decoded_data(out), self._fit_dtype)
        return X if labels is None else (X, labels.numpy())


def _module_to_cpu(module):
    clone = copy.deepcopy(module) if next(module.parameters(), torch.empty(0)).device.type != "cpu" else module
    return clone.to("cpu")


def _check_codes(Z, latent_dim):
    Zt = check_samples(
        Z, "Z", min_samples=1, n_features=latent_dim, features_are="latent_dim, the codes' width", distances=False
    )
    arr = check_float32_range(Zt.detach().cpu().numpy(), "Z")
    return arr if arr.dtype in (np.float32, np.float64) else arr.astype(np.float64)


class _progress:
    """A minimal progress bar on stderr; tqdm's when it is installed."""

    def __init__(self, total):
        try:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, unit="batch", leave=False)
        except ImportError:
            self._bar, self._total, self._done = None, total, 0

    def update(self, k):
        if self._bar is not None:
            self._bar.update(k)
            return
        self._done += k
        if self._done % max(1, self._total // 100) == 0 or self._done == self._total:
            sys.stderr.write(f"\r{100 * self._done // self._total:3d}% of {self._total} minibatches")

    def close(self):
        if self._bar is not None:
            self._bar.close()
        else:
            sys.stderr.write("\n")

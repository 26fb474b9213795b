"""Estimator state that a failed ``fit`` must not leave half-written."""

import functools
import threading

__all__ = ["unfitted_on_error"]

# Per thread, the estimators whose fit is running inside a guard (by id).
_GUARDED = threading.local()


def unfitted_on_error(fit):
    """Decorate ``fit`` so that an exception leaves the estimator unfitted.

    A refit that raises after some attributes were written would otherwise
    leave a mixture: new networks beside an old ``history_``, a new
    ``bandwidth_`` beside an old model, or labels dropped. On an exception
    the fitted attributes (names ending in ``_``) and everything the failed
    call added are removed, so ``check_is_fitted`` raises and the estimator
    can be fitted again; then the exception goes on. Constructor parameters
    and what a caller attached before ``fit`` (scikit-learn's callback
    context, for one) stay.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        guarded = _GUARDED.__dict__.setdefault("ids", set())
        if id(self) in guarded:  # a subclass's fit calling super().fit: the outer call already guards
            return fit(self, *args, **kwargs)
        guarded.add(id(self))
        before = set(vars(self))
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            params = set(self.get_params(deep=False))
            for key in list(vars(self)):
                fitted = key.endswith("_") and not key.startswith("__")
                if key not in params and (fitted or key not in before):
                    delattr(self, key)
            raise
        finally:
            guarded.discard(id(self))

    return wrapper

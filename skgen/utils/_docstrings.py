"""Parameter and attribute text that GENAutoencoder and the baselines share.

The three autoencoders take the same training parameters; their docstrings
name them and this module describes them, once. ``shared_docstring`` fills in
every entry of a class's Parameters or Attributes section that has a name
and a type but no description of its own; an entry with its own text (where a
class means something else by it) is left as written.
"""

import re
import textwrap

__all__ = ["SHARED_DESCRIPTIONS", "shared_docstring"]

SHARED_DESCRIPTIONS = {
    "latent_dim": "Dimension ``l`` of the latent space.",
    "hidden_layer_sizes": "Hidden widths of the default MLP encoder; the decoder mirrors them.",
    "activation": "Hidden-layer activation of the default MLPs.",
    "encoder, decoder": "Replace the MLPs: a module (deep-copied at fit) or a factory "
    "``f(in_features, out_features) -> nn.Module``.",
    "batch_size": "Minibatch size (capped at the number of training samples).",
    "max_iter": "Epochs.",
    "learning_rate": "Adam's step size.",
    "validation_fraction": "Share of the data held out with ``early_stopping``.",
    "n_iter_no_change": "Epochs without an improvement of ``tol`` after which a phase of training stops.",
    "tol": "Smallest decrease of the monitored loss that counts as an improvement.",
    "device": 'Where the networks train (``device_``); ``"auto"`` picks CUDA when it is available, and an '
    "unavailable CUDA device falls back to the CPU with a warning.",
    "random_state": "Seeds everything random in ``fit`` through local generators (torch's global RNG is left "
    "alone): the same seed gives the same model on the CPU.",
    "verbose": "1 prints one line per epoch, 2 shows a progress bar.",
    "encoder_, decoder_": "The trained networks, in eval mode.",
    "target_": "The resolved target.",
    "n_iter_": "Epochs run.",
    "device_": "The device the networks live on.",
    "n_features_in_": "Number of features seen during ``fit``.",
}

_ENTRY = re.compile(r"^    ([A-Za-z_][\w, ]*?) : ")


def shared_docstring(cls):
    """Class decorator: describe the undescribed shared entries of ``cls.__doc__``."""
    lines = (cls.__doc__ or "").split("\n")
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        match = _ENTRY.match(line)
        if not match or match.group(1) not in SHARED_DESCRIPTIONS:
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if following.startswith(" " * 8):  # the class describes this entry itself
            continue
        text = SHARED_DESCRIPTIONS[match.group(1)]
        out.extend(textwrap.wrap(text, width=79, initial_indent=" " * 8, subsequent_indent=" " * 8))
    cls.__doc__ = "\n".join(out)
    return cls

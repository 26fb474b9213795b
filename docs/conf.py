"""Sphinx configuration of the skgen documentation.

Build (warnings are errors, as in ``.ci/run``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Everything is local: no intersphinx, no theme downloaded, the examples train
on scikit-learn's bundled digits.
"""

import os
import sys
import warnings

import torch

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_here))  # import the checkout, installed or not
sys.path.insert(0, _here)  # _gallery_order

import skgen

project = "skgen"
author = "skgen developers"
copyright = "skgen developers"
release = skgen.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    # pages pulled into others with ``.. include::``, not documents of their own
    "bias_table.rst",
    "speed_table.rst",
    "gen_digits_table.rst",
    # sphinx-gallery's own bookkeeping files
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.json",
    "auto_examples/*.pickle",
]
default_role = "literal"  # `x` in docstrings renders as code, as ``x``

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
# The summary tables end a docstring's first sentence at the first ". ";
# docstrings cite "eq. 9", which is not the end of a sentence.
import sphinx.ext.autosummary as _autosummary

_autosummary.WELL_KNOWN_ABBREVIATIONS = (*_autosummary.WELL_KNOWN_ABBREVIATIONS, " eq.", "(eq.")
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- HTML ---------------------------------------------------------------------
html_theme = "alabaster"
html_theme_options = {
    "description": "Generative Encoding Networks for scikit-learn",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
}
html_static_path = []
html_title = f"skgen {release}"
html_show_sourcelink = False

# -- sphinx-gallery -------------------------------------------------------------
# The examples run in this process. On a small CI machine, or one shared with
# other jobs, torch's second thread costs more than it gains (see the speed
# page), so the gallery is built with one thread: its timings stay predictable.
torch.set_num_threads(1)

warnings.filterwarnings("ignore", message="`torch.jit.script` is deprecated", category=DeprecationWarning)
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg", category=UserWarning)

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "_gallery_order.ExampleOrder",
    "doc_module": ("skgen",),
    "backreferences_dir": None,
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "plot_gallery": "True",
    "min_reported_time": 1,
    # no sg_execution_times.rst in docs/ (it would be a tracked-looking file);
    # the build log lists each example's time
    "write_computation_times": False,
}

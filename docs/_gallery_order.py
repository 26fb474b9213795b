"""Order of the examples in the gallery: the quickstart first, then by topic."""

ORDER = [
    "plot_quickstart.py",
    "plot_sampling_interpolation.py",
    "plot_grid_search.py",
    "plot_novelty_detection.py",
    "plot_mixture_target.py",
    "plot_bandwidth_table.py",
]


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        return (ORDER.index(filename) if filename in ORDER else len(ORDER), filename)

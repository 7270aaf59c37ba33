"""NHS-scale synthetic workforce: people rows for talent's ``POST /v1/people:import``.

``python -m bench.data --help`` writes NDJSON or CSV; ``people()`` is the generator behind it.
Where the distributions come from: ``README.md`` and ``distributions.py`` beside this file.
"""

from bench.data.distributions import FULL_SIZE, QUICK_SIZE, Config
from bench.data.generator import COLUMNS, batches, csv_lines, ndjson_lines, people

__all__ = [
    "COLUMNS",
    "FULL_SIZE",
    "QUICK_SIZE",
    "Config",
    "batches",
    "csv_lines",
    "ndjson_lines",
    "people",
]

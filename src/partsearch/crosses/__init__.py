"""The cross index: crosses → guarded union-find classes in a memory-mapped snapshot.

See ``build.py`` (building), ``_guard.py`` (the wrong-cross guard), ``index.py`` (queries) and
``quality.py`` (measuring the guard against known wrong crosses).
"""

from partsearch.crosses._guard import GuardConfig
from partsearch.crosses.build import BuildReport, build_index
from partsearch.crosses.index import CrossIndex, CrossStep, Neighbors
from partsearch.crosses.quality import GuardQuality, guard_quality

__all__ = ["BuildReport", "CrossIndex", "CrossStep", "GuardConfig", "GuardQuality", "Neighbors",
           "build_index", "guard_quality"]

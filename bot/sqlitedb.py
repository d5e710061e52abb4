"""sqlite_utils, imported without numpy.

sqlite_utils imports numpy whenever it is installed (matplotlib, which draws the digest chart,
installs it) only to map numpy column types, which leadbot never stores. That import costs
`leadbot run` about 15 MB and 90 ms at start, so it is hidden while sqlite_utils loads; numpy
stays importable afterwards for the chart.
"""

from __future__ import annotations

import sys


def _import_sqlite_utils():
    """Import sqlite_utils with ``import numpy`` failing, unless numpy is already loaded."""
    hide = "numpy" not in sys.modules and "sqlite_utils" not in sys.modules
    if hide:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail
    try:
        import sqlite_utils
    finally:
        if hide:
            del sys.modules["numpy"]
    return sqlite_utils


_sqlite_utils = _import_sqlite_utils()
Database = _sqlite_utils.Database
Migrations = _sqlite_utils.Migrations

__all__ = ["Database", "Migrations"]

"""The libraries that are slow to import, imported on first use: ``from audit.lazy import pd``.

pandas, numpy and pyarrow take about a third of a second to import, more than the rest of
``caseaudit rules``. Listing the rules and checking ``audit.toml`` import every rule
module, rulekit and the modules of the config's settings, yet evaluate nothing; so those
modules take these libraries from here. ``pd`` stands in for pandas: the first time one of
its names is used (``pd.Series``) it imports pandas and copies pandas' names, so every
later use is a plain look-up. Code that runs uses it exactly as the module; mypy sees the
module itself. Python 3.15's ``lazy import pandas as pd`` does the same in the language.

A name used while a module is being imported (a module-level ``pd.Timestamp(...)``, a base
class ``Mapping[str, pd.DataFrame]``, an annotation in a module without ``from __future__
import annotations``) imports the library there and then; tests/test_startup.py fails,
naming the line that did. A rule pack that imports pandas itself works as well, and only
lists more slowly.

Not ``importlib.util.LazyLoader``: it puts a half-made module in ``sys.modules`` that two
threads can both start to load (sheets are read on threads, and Python 3.11's loader has
no lock for it), and mypy would see a bare module without names.
"""

from __future__ import annotations

import importlib
import types
from typing import TYPE_CHECKING, Any

__all__ = ["msoffcrypto", "np", "pa", "pa_csv", "pc", "pd", "python_calamine"]


class _OnFirstUse(types.ModuleType):
    """Stands in for the module of its name until a name of it is used."""

    def __getattr__(self, name: str) -> Any:  # only called for a name not copied yet
        module = importlib.import_module(self.__name__)  # thread-safe: the import lock
        # Copy the module's names, so each later use is a plain look-up here.
        self.__dict__.update(module.__dict__)
        return getattr(module, name)


if TYPE_CHECKING:
    import msoffcrypto
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv
    import python_calamine
else:
    msoffcrypto = _OnFirstUse("msoffcrypto")
    np = _OnFirstUse("numpy")
    pd = _OnFirstUse("pandas")
    pa = _OnFirstUse("pyarrow")
    pc = _OnFirstUse("pyarrow.compute")
    pa_csv = _OnFirstUse("pyarrow.csv")
    python_calamine = _OnFirstUse("python_calamine")

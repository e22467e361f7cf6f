"""hypothesis-jsonschema 0.23 drives Hypothesis' private `many` with `.more()`, gone since 6.150.

Newer Hypothesis only offers `with many(...) as elements: for _ in elements:`. This adapter gives
hypothesis-jsonschema (and so schemathesis' object generation) the old interface on top of the
new one, without touching Hypothesis itself. It does nothing on versions that still have `more`.
"""

from __future__ import annotations

import types

from hypothesis.internal.conjecture import utils as conjecture_utils
from hypothesis_jsonschema import _from_schema


class _LegacyMany:
    def __init__(self, data, **kwargs) -> None:
        self._many = conjecture_utils.many(data, **kwargs)
        self._many.__enter__()
        self._elements = iter(self._many)

    def more(self) -> bool:
        if next(self._elements, StopIteration) is StopIteration:
            self._many.__exit__(None, None, None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


def install() -> None:
    if hasattr(conjecture_utils.many, "more"):
        return
    shim = types.ModuleType("hypothesis_jsonschema_many_shim")
    shim.__dict__.update(vars(conjecture_utils))
    shim.many = _LegacyMany
    _from_schema.cu = shim

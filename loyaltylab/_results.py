"""The one result pattern: a frozen dataclass with ``to_frame()``, ``summary()``, an HTML repr
for notebooks and the counts of rows used and excluded as attributes.

Counts live on the result object, never in ``DataFrame.attrs`` (pandas drops or deep-copies
those in most operations).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import pandas as pd


class Result:
    """Mixin for result dataclasses: ``summary()``, ``counts`` and ``_repr_html_``.

    Subclasses define ``to_frame()``; ``summary()`` defaults to it. Counts are the integer
    fields named ``n`` or ``n_*``.
    """

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def summary(self) -> pd.DataFrame:
        """A compact table of the result (the main estimates with their intervals)."""
        return self.to_frame()

    @property
    def counts(self) -> dict[str, int]:
        """Rows used and excluded (and other counts), by name."""
        out = {}
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if (f.name == "n" or f.name.startswith("n_")) and isinstance(v, int):
                out[f.name] = v
        excluded = getattr(self, "excluded", None)
        if isinstance(excluded, Mapping):
            out.update({f"excluded: {k}": int(v) for k, v in excluded.items()})
        return out

    def _repr_html_(self) -> str:
        head = html.escape(repr(self).splitlines()[0])
        counts = ", ".join(f"{html.escape(k)} = {v:,}" for k, v in self.counts.items())
        table = self.summary()
        body = table.to_html(max_rows=20, float_format=lambda v: f"{v:.4g}")
        note = f"<p style='margin:0'>{counts}</p>" if counts else ""
        return f"<div><p style='margin:0'><b>{head}</b></p>{note}{body}</div>"


@dataclass(frozen=True, repr=False)
class TableResult(Result):
    """A table computed from data, with the rows it used and the rows it left out by reason.

    Attributes
    ----------
    data : DataFrame
        The table itself (also ``to_frame()``); every function that takes ``data`` accepts
        the result too.
    n_used : int
        Input rows (or members) the table is built from.
    excluded : dict
        Rows left out (or changed), by reason; empty when nothing was left out.
    """

    data: pd.DataFrame
    n_used: int
    excluded: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_excluded(self) -> int:
        """Rows left out, all reasons together."""
        return int(sum(self.excluded.values()))

    def to_frame(self) -> pd.DataFrame:
        """The table (the same object as ``data``)."""
        return self.data

    def summary(self) -> pd.DataFrame:
        """Rows used and left out, by reason."""
        rows = [{"rows": "used", "count": self.n_used}]
        rows += [{"rows": f"excluded: {k}", "count": int(v)} for k, v in self.excluded.items()]
        return pd.DataFrame(rows)

    def __len__(self) -> int:
        return len(self.data)

    def _extra(self) -> str:
        return ""

    def __repr__(self) -> str:
        why = ", ".join(f"{k}: {v:,}" for k, v in self.excluded.items() if v)
        extra = self._extra()
        return (f"{type(self).__name__}({len(self.data):,} rows; {self.n_used:,} used, "
                f"{self.n_excluded:,} excluded{' (' + why + ')' if why else ''}"
                f"{'; ' + extra if extra else ''})")

    def _repr_html_(self) -> str:
        head = html.escape(repr(self))
        return (f"<div><p style='margin:0'><b>{head}</b></p>"
                f"{self.data.to_html(max_rows=10, float_format=lambda v: f'{v:.4g}')}</div>")

"""Plain-language tables for the one-command report (``loyaltylab/_report/report.ipynb``).

The report is read by a library's head once a year, not by a statistician: an estimate and
its interval go in one cell ("38 (35 to 41)"), p-values are written "< 0.001", codes become
the labels the spec gives them, and tables have no numbered index. The statistician's full
table stays one click away (:func:`full`). Every value is HTML-escaped: codes, labels and
names come from the library's own files and spec.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: The plain tables' first column (a name) reads left-aligned, like text.
STYLE = ("<style>table.plain td:first-child, table.plain th:first-child "
         "{text-align: left}</style>")


def p_text(p: float) -> str:
    """A p-value as a reader expects it: "< 0.001", else three decimals; "-" when missing."""
    if p is None or not np.isfinite(p):
        return "-"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def number(x: float, digits: int = 2, *, percent: bool = False, signed: bool = False) -> str:
    """One number, rounded for reading; a share as a percentage with ``percent``."""
    if x is None or not np.isfinite(x):
        return "-"
    sign = "+" if signed else ""
    if round(x * (100 if percent else 1), digits) == 0:
        x = 0.0  # no "-0.00"
    return f"{x:{sign}.{digits}%}" if percent else f"{x:{sign},.{digits}f}"


def interval(est: float, lo: float, hi: float, digits: int = 2, *, percent: bool = False,
             signed: bool = False) -> str:
    """An estimate with its interval in one cell: "1.21 (1.00 to 1.47)"."""
    if est is None or not np.isfinite(est):
        return "-"
    return (f"{number(est, digits, percent=percent, signed=signed)} "
            f"({number(lo, digits, percent=percent, signed=signed)} to "
            f"{number(hi, digits, percent=percent, signed=signed)})")


def intervals(frame: pd.DataFrame, est: str, lo: str = "ci_low", hi: str = "ci_high",
              digits: int = 2, *, percent: bool = False, signed: bool = False) -> list[str]:
    """:func:`interval` for every row of ``frame``."""
    return [interval(e, a, b, digits, percent=percent, signed=signed)
            for e, a, b in zip(frame[est], frame[lo], frame[hi], strict=True)]


def label(value: object, labels: Mapping[str, str] | None) -> str:
    """The spec's label for a code, or the code itself."""
    text = str(value)
    return (labels or {}).get(text, text)


def labelled(members: pd.DataFrame, labels: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """``members`` with the codes of every labelled column replaced by their labels (codes
    without a label stay as they are), so every table and figure downstream reads plainly."""
    out = members.copy()
    for col, names in labels.items():
        if col in out:
            mapped = out[col].astype("string").map(lambda v, n=names: n.get(v, v)
                                                   if isinstance(v, str) else v)
            out[col] = pd.Categorical(mapped.astype(object))
    return out


def column_name(col: str) -> str:
    """A members column as a reader would name it: ``member_type`` -> "member type"."""
    return col.replace("_", " ")


_TERM = re.compile(r"^(?P<col>.+)\[(?P<level>.+)\]$")


def effect_table(effects: pd.DataFrame) -> pd.DataFrame:
    """A lapse model's :meth:`~loyaltylab.lapse.LapseModel.effects` for reading: the
    characteristic, the group, the group it is compared with, the ratio with its interval
    and the p-value (no ``member_type[ST]`` term names)."""
    rows = []
    for r in effects.itertuples(index=False):
        m = _TERM.match(str(r.covariate))
        col, level = (m["col"], m["level"]) if m else (str(r.covariate), "")
        against = re.sub(r"^vs ", "", str(r.scale)) if r.kind == "indicator" else str(r.scale)
        rows.append({"characteristic": column_name(col), "group": level,
                     "compared with": against,
                     "lapse rate ratio (95% interval)": interval(
                         r.hazard_ratio, r.ci_low, r.ci_high),
                     "p-value": p_text(r.p_value)})
    return pd.DataFrame(rows)


def effect_names(effects: pd.DataFrame) -> pd.DataFrame:
    """``effects`` with each term named "group (member type, vs reference)" for a figure."""
    names = []
    for cov, scale in zip(effects["covariate"], effects["scale"], strict=True):
        m = _TERM.match(str(cov))
        names.append(f"{m['level']} ({column_name(m['col'])}, {scale})" if m
                     else column_name(str(cov)))
    return effects.assign(covariate=names)


def table(frame: pd.DataFrame) -> _HTML:
    """A plain table: no numbered index, values escaped."""
    return _HTML(frame.to_html(index=False, escape=True, border=0, na_rep="-",
                               classes="dataframe plain"))


def full(frame: pd.DataFrame, title: str = "Full table (for statisticians)", *,
         index: bool = False) -> _HTML:
    """The complete numeric table, collapsed under a one-click summary."""
    with pd.option_context("display.precision", 4):
        inner = frame.to_html(index=index, escape=True, border=0, na_rep="-",
                              float_format=lambda v: f"{v:.4g}")
    return _HTML(f"<details><summary>{html.escape(title)}</summary>{inner}</details>")


_STEPS = {"read": "read", "excluded": "left out", "changed": "changed", "used": "used"}


def intake_tables(report) -> dict[str, pd.DataFrame]:
    """An :class:`~loyaltylab.intake.IntakeReport` as one plain table per file: every line
    of the log (rows read, each reason for leaving rows out or changing them, with its
    count and an example, and the rows used), in the order the intake took them."""
    out = {}
    for name, part in report.log.groupby("table", sort=False):
        order = part["step"].map({"read": 0, "excluded": 1, "changed": 1, "used": 2})
        part = part.assign(_o=order).sort_values("_o", kind="stable")
        out[name] = pd.DataFrame({
            "step": part["step"].map(_STEPS).to_numpy(),
            "what": part["reason"].to_numpy(),
            "rows": [f"{n:,}" for n in part["rows"]],
            "example": [_example(e) for e in part["example"]]})
    return out


def _example(text: str) -> str:
    # the intake writes examples as reprs: member_id=np.int64(2) -> "member_id = 2"
    text = re.sub(r"np\.\w+\((.*?)\)", r"\1", str(text))
    m = re.fullmatch(r"(\w+)=(['\"]?)(.*)\2", text)
    return f"{m[1]} = {m[3]}" if m else text


def renewals_made(members: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Yearly renewals per member, for the sBG model of member value: the anniversaries of
    joining passed before the membership ended.

    A member who lapsed left at a renewal decision (or during the year after it): the
    anniversaries strictly before the lapse date are the renewals made, so a member who
    lapsed on the second anniversary renewed once and lapsed at decision 2. A member still
    there has made every renewal up to ``as_of``. Counting calendar anniversaries (not days
    / 365.25) keeps a lapse on an anniversary on its decision in leap years. Assumes cards
    run a year, as Koha's adult categories usually do.
    """
    from loyaltylab.schema import membership_end

    span = membership_end(members, as_of)
    start, end = span["joined"], span["end"]
    lapsed = span["has_lapsed"].to_numpy(dtype=bool)
    day_end = (end.dt.month * 100 + end.dt.day).to_numpy()
    day_start = (start.dt.month * 100 + start.dt.day).to_numpy()
    # this year's anniversary not yet passed: strictly before it for a lapse (a lapse on the
    # anniversary is the decision not to renew), before it for a member still there
    not_yet = np.where(lapsed, day_end <= day_start, day_end < day_start)
    n = (end.dt.year - start.dt.year).to_numpy() - not_yet
    return pd.DataFrame({"renewals": n.astype(np.int64), "has_lapsed": lapsed},
                        index=members.index)


def years(x: float) -> str:
    """A duration in years for a sentence: "3.0 years", "1 year"."""
    if not math.isfinite(x):
        return "not reached"
    return "1 year" if round(x, 1) == 1 else f"{x:.1f} years"


def joined(items: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class _HTML:
    """HTML for IPython's display (without importing IPython here)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

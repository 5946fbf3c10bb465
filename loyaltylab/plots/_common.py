"""Shared helpers of the figures: colours, the Axes, tables and interval labels."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

#: Order of the colour-blind palette's hues that keeps neighbours distinct: its 2nd and 4th
#: colours are two oranges that read as one group.
_DISTINCT = (0, 1, 2, 4, 5, 9, 7, 8, 3, 6)


def _palette(n: int) -> list:
    """``n`` distinct colour-blind-safe colours (cycling beyond ten)."""
    cb = sns.color_palette("colorblind", 10)
    return [cb[_DISTINCT[i % 10]] for i in range(n)]


def _ax(ax):
    return plt.subplots()[1] if ax is None else ax


def _table(result) -> pd.DataFrame:
    """The table of a result object (``table`` or ``data``), or the frame itself."""
    for name in ("table", "data"):
        if hasattr(result, name) and isinstance(getattr(result, name), pd.DataFrame):
            return getattr(result, name)
    return result


def _level(result, default: float = 0.95) -> str:
    """The interval level a result was computed at, as a percentage label."""
    if isinstance(result, pd.DataFrame):
        ci = result["ci"].iloc[0] if "ci" in result and len(result) else None
    else:
        ci = getattr(result, "ci", None)
    return f"{(default if ci is None else float(ci)):.0%}"


def _heatmap(data, **kwargs):
    # seaborn 0.13.2 calls Colormap.set_bad, which matplotlib >= 3.11 flags as pending
    # deprecation; the warning is seaborn's to fix, so only that one message is silenced.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The set_bad function will be deprecated",
                                category=PendingDeprecationWarning)
        return sns.heatmap(data, **kwargs)


def _make_room_below(ax, depth: float) -> None:
    """Raise the bottom of a single-axes figure so that what is drawn ``depth`` axes-heights
    below the axes (the at-risk table) is inside the figure, and a plain ``savefig`` keeps
    it. Figures with several axes or a layout engine are left to their owner."""
    fig = ax.figure
    if len(fig.axes) != 1 or fig.get_layout_engine() is not None:
        return
    pos = ax.get_position()
    need = (0.02 + depth * pos.y1) / (1 + depth)
    if pos.y0 < need:
        fig.subplots_adjust(bottom=need)

"""Figures of the service encounter: waits at the desk and expectations across survey waves."""

from __future__ import annotations

import numpy as np

from loyaltylab.plots._common import _ax, _level, _palette


def served_within(result, minutes: float | None = None, *, expected: float | None = 0.75,
                  ax=None, title: str | None = None):
    """Share of visits served within a wait, per group with its interval
    (:func:`loyaltylab.encounters.served_within`); the overall share is the dashed line.

    Parameters
    ----------
    result : ServedWithin
    minutes : float, optional
        Which threshold of the result to draw (default: its first).
    expected : float or None
        A share to mark as a reference (default 0.75: "three quarters of customers expect to
        be served within five minutes", the Persian source); None for none.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    t = result.thresholds[0] if minutes is None else float(minutes)
    if t not in result.thresholds:
        raise ValueError(f"minutes={t:g} is not a threshold of this result "
                         f"({', '.join(f'{v:g}' for v in result.thresholds)})")
    col = f"within_{t:g}min"
    tab = result.table
    groups, overall = tab.iloc[:-1], tab.iloc[-1]
    if groups.empty:  # no groups: the overall share is the only point
        groups = tab
    y = np.arange(len(groups))[::-1]
    share = groups[col].to_numpy(float)
    lo, hi = groups[f"{col}_ci_low"].to_numpy(float), groups[f"{col}_ci_high"].to_numpy(float)
    ax.errorbar(share, y, xerr=[share - lo, hi - share], fmt="o", color=_palette(1)[0],
                capsize=3)
    ax.axvline(float(overall[col]), color="0.4", ls="--", lw=1,
               label=f"all timed visits ({overall[col]:.0%})")
    if expected is not None:
        ax.axvline(expected, color=_palette(2)[1], ls=":", lw=1.5,
                   label=f"expected ({expected:.0%})")
    ax.set_yticks(y, [f"{g} (n={n:,})" for g, n in zip(groups["group"], groups["n"],
                                                        strict=True)])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(f"share served within {t:g} minutes ({_level(result)} interval)")
    ax.legend(loc="best", frameon=False, fontsize=8)
    ax.set_title(title or f"Served within {t:g} minutes")
    return ax


def expectation_drift(result, ax=None, title: str | None = None):
    """The change between survey waves of each service level, among members who answered
    both, with its interval (:func:`loyaltylab.encounters.expectation_drift`); zero is the
    dashed line.

    Parameters
    ----------
    result : ExpectationDrift
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    tab = result.table
    dims = list(dict.fromkeys(tab["dimension"]))
    measures = list(dict.fromkeys(tab["measure"]))
    colours = _palette(len(dims))
    width = 0.8 / len(dims)
    for k, (dim, colour) in enumerate(zip(dims, colours, strict=True)):
        rows = tab[tab["dimension"] == dim].set_index("measure").loc[measures]
        y = np.arange(len(measures))[::-1] + (len(dims) - 1) / 2 * width - k * width
        mid = rows["change"].to_numpy(float)
        lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
        ax.errorbar(mid, y, xerr=[mid - lo, hi - mid], fmt="o", color=colour, capsize=3,
                    label=dim)
    ax.axvline(0, color="0.4", ls="--", lw=1)
    ax.set_yticks(np.arange(len(measures))[::-1], measures)
    ax.set_xlabel(f"change from wave {result.waves[0]} to wave {result.waves[1]}, same "
                  f"members ({_level(result)} interval)")
    ax.legend(loc="best", frameon=False, fontsize=8)
    ax.set_title(title or "Have expectations risen?")
    return ax

"""Figures of complaints: response speed and the delay curve."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from loyaltylab.plots._common import _ax


def delay_curve(table: pd.DataFrame, ax=None, title: str | None = None):
    """Dose-response of the lapse hazard on the response delay, with its band (from
    :meth:`loyaltylab.recovery.ComplaintModel.delay_curve`).

    Parameters
    ----------
    table : DataFrame
        From :meth:`loyaltylab.recovery.ComplaintModel.delay_curve`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    ax.plot(table["response_hours"], table["hazard_ratio"], marker="o", color="C3")
    ax.fill_between(table["response_hours"], table["ci_low"], table["ci_high"], color="C3",
                    alpha=0.2, lw=0)
    ax.axhline(1, color="0.4", ls="--", lw=1)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set(xlabel="hours until the complaint was answered (log scale)",
           ylabel="lapse hazard ratio vs a 1-hour answer",
           title=title or "Slower answers, more lapse")
    return ax


def response_times(table: pd.DataFrame, threshold: str = "within_24h", ax=None,
                   title: str | None = None):
    """Share of complaints answered within a threshold by channel, with Wilson intervals (from
    :func:`loyaltylab.complaints.response_times`).

    Parameters
    ----------
    table : DataFrame
        From :func:`loyaltylab.complaints.response_times`.
    threshold : str
        Which share to draw (e.g. ``"within_24h"``).
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    d = table.sort_values(threshold, kind="stable")
    y = np.arange(len(d))
    ax.barh(y, 100 * d[threshold], color="C0", alpha=0.8)
    ax.errorbar(100 * d[threshold], y, xerr=[100 * (d[threshold] - d[f"{threshold}_ci_low"]),
                                             100 * (d[f"{threshold}_ci_high"] - d[threshold])],
                fmt="none", color="black", capsize=3)
    ax.set_yticks(y, d["group"].astype(str))
    label = threshold.replace("within_", "").replace("h", " h")
    ax.set(xlim=(0, 100), xlabel=f"share answered within {label} (%)",
           title=title or f"Complaints answered within {label}")
    return ax


#: The usual drawing of the ECSI model: drivers on the left, satisfaction in the middle,
#: complaints and loyalty on the right.

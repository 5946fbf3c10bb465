"""Figures of survey measures: NPS, scales, loyalty segments, drivers, service gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from loyaltylab.plots._common import _ax, _heatmap, _level, _make_room_below, _table


def nps_composition(by_group: pd.DataFrame, ax=None, title: str | None = None):
    """Stacked shares of detractors, passives and promoters per group, with each group's NPS
    and interval written at the end of its bar (from :func:`loyaltylab.metrics.nps_by_group`).

    One axis per quantity: the bars are shares (0-100%); the NPS (-100 to 100) is a number
    beside them, not a second x-axis that invites reading one scale on the other.

    Parameters
    ----------
    by_group : DataFrame
        From :func:`loyaltylab.metrics.nps_by_group`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    d = by_group.reset_index(drop=True)
    y = np.arange(len(d))
    colors = {"detractors": "#d7301f", "passives": "#bdbdbd", "promoters": "#1a9850"}
    left = np.zeros(len(d))
    for part, color in colors.items():
        ax.barh(y, 100 * d[part], left=left, color=color, label=part, height=0.6)
        left += 100 * d[part].to_numpy()
    ax.set_yticks(y, d["group"].astype(str))
    # room to the right of the bars for the NPS; the share axis itself stops at 100%
    ax.set(xlim=(0, 142), xlabel="share of respondents (%)", ylabel="")
    ax.set_xticks(range(0, 101, 20))
    ax.spines["right"].set_visible(False)
    ax.grid(False, axis="x")
    for yi, row in zip(y, d.itertuples(), strict=True):
        ax.text(103, yi, f"NPS {row.nps:.0f} ({row.ci_low:.0f} to {row.ci_high:.0f})",
                va="center", ha="left", fontsize=8)
    ax.set_title(title or f"NPS composition by group (NPS with {_level(d)} interval)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False,
              fontsize=8)
    _make_room_below(ax, 0.3)
    return ax


def item_profile(items, ax=None, *, ci: float = 0.95, title: str | None = None):
    """Item means with t intervals, from :func:`loyaltylab.scales.item_analysis` (uses
    ``mean``, ``sd`` and the respondents used, ``n_used``).

    Parameters
    ----------
    items : ItemAnalysis
        From :func:`loyaltylab.scales.item_analysis`.
    ax : matplotlib Axes, optional
    ci : float
        Confidence level of the intervals.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    from scipy import stats

    ax = _ax(ax)
    n = items.n_used
    items = _table(items)
    half = stats.t.ppf(0.5 + ci / 2, n - 1) * items["sd"] / np.sqrt(n)
    y = np.arange(len(items))[::-1]
    ax.errorbar(items["mean"], y, xerr=half, fmt="o", capsize=3)
    ax.set_yticks(y, items["item"])
    ax.set(xlabel=f"mean answer (after reverse-coding), {ci:.0%} CI",
           title=title or "Item profile")
    return ax


def loadings(table, ax=None, title: str | None = None):
    """Heatmap of a tidy loadings table from :func:`loyaltylab.scales.efa`.

    Parameters
    ----------
    table : FactorAnalysis or DataFrame
        Tidy loadings (``item``, ``factor``, ``loading``).
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    table = _table(table)
    wide = table.pivot(index="item", columns="factor", values="loading")
    wide = wide.loc[list(dict.fromkeys(table["item"]))]
    _heatmap(wide, annot=True, fmt=".2f", cmap="vlag", center=0, vmin=-1, vmax=1, ax=ax,
                cbar_kws={"label": "loading"}, annot_kws={"fontsize": 7})
    ax.set(xlabel="factor", ylabel="item", title=title or "Factor loadings")
    return ax


def dick_basu(profile: pd.DataFrame, segments: pd.Series, ax=None,
              attitude: str = "attitude_z", usage: str = "use_rate_z",
              title: str | None = None):
    """The Dick & Basu matrix: members as points (relative attitude x repeat use), coloured
    by segment, with each segment's share written in its quadrant.

    Parameters
    ----------
    profile : LoyaltyProfile or DataFrame
        From :func:`loyaltylab.metrics.loyalty_profile`.
    segments : Series
        From :func:`loyaltylab.metrics.loyalty_segments`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.
    attitude, usage : str
        The two score columns.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    d = _table(profile).assign(segment=segments).dropna(subset=[attitude, usage, "segment"])
    sns.scatterplot(data=d, x=usage, y=attitude, hue="segment", s=10, alpha=0.5, ax=ax,
                    hue_order=["true", "latent", "spurious", "no loyalty"], linewidth=0)
    xs, ys = d[usage].median(), d[attitude].median()
    ax.axvline(xs, color="0.3", lw=1)
    ax.axhline(ys, color="0.3", lw=1)
    shares = d["segment"].value_counts(normalize=True)
    pos = {"true": (0.97, 0.97, "right", "top"), "latent": (0.03, 0.97, "left", "top"),
           "spurious": (0.97, 0.03, "right", "bottom"),
           "no loyalty": (0.03, 0.03, "left", "bottom")}
    for seg, (x, y, ha, va) in pos.items():
        ax.text(x, y, f"{seg}: {shares.get(seg, 0):.0%}", transform=ax.transAxes, ha=ha, va=va,
                fontsize=9, bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
    ax.set(xlabel="repeat use (z score of log use per year)",
           ylabel="relative attitude (z score)", title=title or "Dick & Basu loyalty matrix")
    ax.legend(title="segment", loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return ax


def driver_importance(result, ax=None, title: str | None = None):
    """Relative weights with bootstrap intervals, from :func:`loyaltylab.drivers.key_drivers`.

    Parameters
    ----------
    result : KeyDrivers
        From :func:`loyaltylab.drivers.key_drivers`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    d = result.table.sort_values("relative_weight", kind="stable")
    y = np.arange(len(d))
    ax.barh(y, d["relative_weight"], color="C0", alpha=0.8)
    ax.errorbar(d["relative_weight"], y, xerr=[d["relative_weight"] - d["rw_ci_low"],
                                               d["rw_ci_high"] - d["relative_weight"]],
                fmt="none", color="black", capsize=3)
    ax.set_yticks(y, d["driver"])
    ax.set(xlabel=f"relative weight (share of R² = {result.r_squared:.2f}; "
                  f"{_level(result)} bootstrap CI)",
           title=title or f"Drivers of {result.outcome}")
    return ax


def importance_performance(table, ax=None, title: str | None = None):
    """Importance-performance quadrant from :func:`loyaltylab.drivers.importance_performance`.

    Parameters
    ----------
    table : KeyDrivers or DataFrame
        From :func:`loyaltylab.drivers.importance_performance`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    table = _table(table)
    sns.scatterplot(data=table, x="performance", y="importance", hue="quadrant", s=60, ax=ax)
    for _, r in table.iterrows():
        ax.annotate(r["driver"], (r["performance"], r["importance"]), xytext=(4, 4),
                    textcoords="offset points", fontsize=8)
    ax.axvline(table["performance"].mean(), color="0.4", ls="--", lw=1)
    ax.axhline(table["importance"].mean(), color="0.4", ls="--", lw=1)
    ax.set(xlabel="performance (0-100, percent of scale)",
           ylabel="importance (% of explained variance)",
           title=title or "Importance-performance: what to fix first")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return ax


def service_gaps(gaps: pd.DataFrame, ax=None, title: str | None = None):
    """Zone of tolerance per item: a bar from minimum to desired, the perceived level as a dot
    (from :func:`loyaltylab.metrics.service_gaps`).

    Parameters
    ----------
    gaps : DataFrame
        From :func:`loyaltylab.metrics.service_gaps`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    d = gaps[gaps["level"] == "item"].reset_index(drop=True)
    y = np.arange(len(d))[::-1]
    ax.barh(y, d["desired"] - d["minimum"], left=d["minimum"], color="C0", alpha=0.3,
            height=0.5, label="zone of tolerance")
    colors = d["zone"].map({"below minimum": "C3", "within zone": "C0",
                            "above desired": "C2"})
    ax.scatter(d["perceived"], y, color=colors, zorder=3, label="perceived")
    ax.set_yticks(y, d["name"] + " (" + d["dimension"] + ")")
    ax.set(xlabel="mean rating (1-9)", title=title or "Service quality: zone of tolerance")
    ax.legend(loc="lower right", fontsize=8)
    return ax

"""Figures of retention, lapse reasons, cohorts, lapse models, renewals and silent lapse."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from loyaltylab.plots._common import _ax, _heatmap, _level, _make_room_below, _palette


def retention_curves(result, ax=None, *, at_risk: bool = True, unit: str = "years",
                     ticks: Sequence[float] | None = None, title: str | None = None):
    """Kaplan-Meier curves with confidence bands and an at-risk table beneath (as survminer).

    Parameters
    ----------
    result : RetentionCurves
        From :func:`loyaltylab.lapse.retention_curves`.
    ax : matplotlib Axes, optional
        Where to draw.
    at_risk : bool
        Print the number still at risk at each x tick under the axis.
    unit : str
        Time unit for the axis label.
    ticks : sequence of float, optional
        x ticks (and at-risk columns).
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    tab = result.table
    groups = list(dict.fromkeys(tab["group"]))
    palette = _palette(len(groups))
    for color, g in zip(palette, groups, strict=True):
        sub = tab[tab["group"] == g]
        ax.step(sub["time"], sub["retention"], where="post", color=color, label=str(g), lw=1.8)
        ax.fill_between(sub["time"], sub["ci_low"], sub["ci_high"], step="post", color=color,
                        alpha=0.2, lw=0)
    ax.set(ylim=(0, 1.02), xlabel=f"tenure ({unit})", ylabel="share still members",
           title=title or f"Retention curves (Kaplan-Meier, {_level(result)} bands)")
    ax.set_xlim(left=0)
    if len(groups) > 1:
        ax.legend(title=None, loc="lower left", frameon=True)
    if at_risk:
        if ticks is not None:
            ax.set_xticks(list(ticks))
        xt = [x for x in ax.get_xticks() if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]]
        ax.set_xticks(xt)
        counts = result.at_risk(xt)
        # a tick where no one is followed any more says nothing: leave its column empty
        shown = [x for x in xt if counts[x].sum() > 0]
        # the table starts below the axis label, measured in points (the label's distance
        # from the axes is fixed in points, so a table placed in axes fractions ran into it
        # on short axes and with larger fonts)
        fig = ax.figure
        renderer = fig.canvas.get_renderer()
        below = ax.get_window_extent(renderer).y0 - ax.xaxis.get_tightbbox(renderer).y0
        top = below * 72 / fig.dpi + 8
        row = 11.0
        for i, (color, g) in enumerate(zip(palette, groups, strict=True)):
            off = (0, -(top + row * i))
            ax.annotate(f"{str(g)[:28]}", xy=(-0.06, 0), xycoords="axes fraction",
                        xytext=off, textcoords="offset points", ha="right", va="center",
                        fontsize=8, color=color)
            for x in shown:
                ax.annotate(f"{int(counts.loc[g, x])}", xy=(x, 0),
                            xycoords=("data", "axes fraction"), xytext=off,
                            textcoords="offset points", ha="center", va="center", fontsize=8,
                            color=color)
        ax.annotate("number at risk", xy=(0.5, 0), xycoords="axes fraction",
                    xytext=(0, -(top + row * len(groups))), textcoords="offset points",
                    ha="center", va="center", fontsize=8, color="0.3")
        depth_pts = top + row * (len(groups) + 1.2)
        for _ in range(2):  # making room shortens the axes: the fraction grows a little
            height_pts = ax.get_position().height * fig.get_figheight() * 72
            _make_room_below(ax, depth_pts / height_pts)
    return ax


def cumulative_incidence(result, ax=None, *, unit: str = "years", bands: bool = True,
                         title: str | None = None):
    """Cumulative incidence of each lapse reason (stacked neither way: one line per reason
    and group, with its interval band).

    Parameters
    ----------
    result : CumulativeIncidence
        From :func:`loyaltylab.lapse.cumulative_incidence`.
    ax : matplotlib Axes, optional
        Where to draw.
    unit : str
        Time unit for the axis label.
    bands : bool
        Draw the pointwise intervals.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    tab = result.table
    reasons = list(result.reasons)
    groups = list(dict.fromkeys(tab["group"]))
    palette = _palette(len(reasons))
    styles = ["-", "--", ":", "-."]
    for color, r in zip(palette, reasons, strict=True):
        for i, g in enumerate(groups):
            sub = tab[(tab["reason"] == r) & (tab["group"] == g)]
            label = str(r) if len(groups) == 1 else f"{r}, {g}"
            ax.step(sub["time"], sub["incidence"], where="post", color=color, lw=1.8,
                    ls=styles[i % len(styles)], label=label)
            if bands:
                ax.fill_between(sub["time"], sub["ci_low"], sub["ci_high"], step="post",
                                color=color, alpha=0.15, lw=0)
    ax.set(xlabel=f"tenure ({unit})", ylabel="share who have left for this reason",
           title=title or f"Lapse by reason (cumulative incidence, {_level(result)} bands)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(title="reason" if len(groups) == 1 else "reason, group", loc="upper left",
              frameon=True)
    return ax


def cohort_heatmap(table: pd.DataFrame, ax=None, title: str | None = None):
    """Heatmap of a :func:`loyaltylab.lapse.cohort_table` (share retained).

    Parameters
    ----------
    table : DataFrame
        From :func:`loyaltylab.lapse.cohort_table`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    tri = table.pivot(index="cohort", columns="period", values="share")
    _heatmap(tri, annot=True, fmt=".0%", cmap="crest", vmin=0, vmax=1, cbar_kws={
        "label": "share still members"}, ax=ax, annot_kws={"fontsize": 8})
    unit = {12: "years", 3: "quarters", 1: "months"}.get(_period_months(table), "periods")
    ax.set(xlabel=f"{unit} since joining", ylabel="cohort (join period)",
           title=title or "Cohort retention")
    ax.tick_params(axis="y", labelrotation=0)  # cohort labels read horizontally
    return ax


def _period_months(table: pd.DataFrame) -> int | None:
    """Length of the cohort table's periods in months, from its cohort labels' spacing
    (``2019`` years, ``2019Q1`` quarters, ``2019-01`` months)."""
    label = str(table["cohort"].iloc[0])
    if "Q" in label:
        return 3
    if "-" in label:
        return 1
    return 12 if label.isdigit() else None


def forest(effects: pd.DataFrame, ax=None, estimate: str | None = None,
           truth: pd.Series | None = None, title: str | None = None):
    """Forest plot of hazard ratios (or time ratios) with intervals, log scale.

    Parameters
    ----------
    effects : DataFrame
        :meth:`LapseModel.effects` or :meth:`SubdistributionModel.effects` output
        (``covariate``, a ``*_ratio`` column, ``ci_low``, ``ci_high``).
    ax : matplotlib Axes, optional
        Where to draw.
    estimate : str, optional
        The ratio column (found automatically).
    truth : Series, optional
        Known values (e.g. the simulator's) drawn as crosses.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    if estimate is None:
        found = [c for c in effects.columns if str(c).endswith("_ratio")]
        if not found:
            raise ValueError(f"no ratio column in the effects ({list(effects.columns)}); "
                             f"name it with estimate=")
        estimate = found[0]
    est = estimate
    e = effects.reset_index(drop=True)
    y = np.arange(len(e))[::-1]
    ax.errorbar(e[est], y, xerr=[e[est] - e["ci_low"], e["ci_high"] - e[est]], fmt="o",
                color="C0", capsize=3, label=f"estimate ({_level(effects)} CI)")
    if truth is not None:
        tv = e["covariate"].map(truth)
        ok = tv.notna()
        ax.scatter(tv[ok], y[ok.to_numpy()], marker="x", color="C3", zorder=3, label="truth")
        # below the axes, where it cannot cover an estimate or its interval
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
        _make_room_below(ax, 0.32)
    ax.axvline(1, color="0.4", lw=1, ls="--")
    ax.set_xscale("log")
    ax.set_yticks(y, e["covariate"])
    ax.set(xlabel=est.replace("_", " ") + " (log scale)", ylabel="",
           title=title or est.replace("_", " ").capitalize() + "s")
    lo, hi = ax.get_xlim()
    ticks = [v for v in (0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10) if lo <= v <= hi]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    return ax


def sbg_fit(result, periods: int, ax=None, title: str | None = None):
    """Observed survival vs the sBG fit, with the projection beyond the data.

    Parameters
    ----------
    result : SBGResult
        A fitted sBG model.
    periods : int
        Renewal decisions to draw (the projection runs past the data).
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    proj = result.projection(periods)
    ax.plot(proj.index, proj["survival"], color="C0", lw=2, label="sBG fit and projection")
    if "observed_survival" in proj:
        obs = proj["observed_survival"].dropna()
        ax.plot(obs.index, obs, "o", color="C1", label="observed")
        ax.axvline(obs.index.max(), color="0.5", ls=":", lw=1)
    ax.set(ylim=(0, 1.02), xlabel="renewal decisions (years)",
           ylabel="share of cohort still members", title=title or "Shifted-beta-geometric fit")
    ax.legend(loc="upper right")
    return ax


def member_value(values: pd.Series, ax=None, title: str | None = None,
                 currency: str = "currency units"):
    """Member value (or DERL) by number of renewals.

    Parameters
    ----------
    values : Series
        Value by renewals made, from :meth:`SBGResult.member_value`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.
    currency : str
        Unit for the axis label.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    ax.plot(values.index, values.to_numpy(), marker="o", color="C2")
    ax.set(xlabel="renewals made so far", ylabel=f"expected value ({currency})",
           title=title or "Value of a member by tenure")
    ax.set_ylim(bottom=0)
    return ax


def calibration_histogram(table: pd.DataFrame, ax=None, title: str | None = None):
    """Observed vs expected members by number of repeat uses, from
    :func:`loyaltylab.lapse.calibration_histogram`.

    Parameters
    ----------
    table : DataFrame
        From :func:`loyaltylab.lapse.calibration_histogram`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    long = table.melt(id_vars="repeat_uses", value_vars=["observed", "expected"],
                      var_name="source", value_name="members")
    sns.barplot(data=long, x="repeat_uses", y="members", hue="source", ax=ax)
    ax.set(xlabel="repeat uses in the calibration period", ylabel="members",
           title=title or "Model fit: repeat uses in the calibration period")
    ax.legend(title=None)
    return ax


def tracking(grid: Sequence[float], actual: Sequence[float], expected: Sequence[float],
             calibration_end: float, ax=None, unit: str = "weeks", title: str | None = None):
    """Cumulative repeat uses over time, actual vs model, with the end of the calibration
    period marked (hold-out tracking plot).

    Parameters
    ----------
    grid : sequence of float
        Times.
    actual, expected : sequence of float
        Cumulative repeat uses at each time.
    calibration_end : float
        End of the calibration period (marked).
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.
    unit : str
        Time unit for the axis label.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    ax.plot(grid, actual, color="C0", lw=2, label="actual")
    ax.plot(grid, expected, color="C1", lw=2, ls="--", label="model")
    ax.axvline(calibration_end, color="0.4", ls=":", lw=1)
    ax.text(calibration_end, 0.02, " end of calibration", transform=ax.get_xaxis_transform(),
            fontsize=8, color="0.3")
    ax.set(xlabel=f"time ({unit})", ylabel="cumulative repeat uses",
           title=title or "Tracking cumulative repeat uses")
    ax.legend(loc="upper left")
    return ax

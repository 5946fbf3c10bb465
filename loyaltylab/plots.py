"""Figures for what the analytic modules compute. Every function draws a result it is given
(it computes no statistic of its own), accepts ``ax=``, and returns the Axes."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
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
        for i, (color, g) in enumerate(zip(palette, groups, strict=True)):
            y = -0.22 - 0.07 * i
            ax.text(-0.06, y, f"{str(g)[:28]}", transform=ax.transAxes, ha="right",
                    va="center", fontsize=8, color=color)
            for x in shown:
                ax.text(x, y, f"{int(counts.loc[g, x])}", ha="center", va="center",
                        fontsize=8, color=color, transform=ax.get_xaxis_transform())
        ax.text(0.5, -0.22 - 0.07 * len(groups), "number at risk", ha="center",
                transform=ax.transAxes, fontsize=8, color="0.3")
        _make_room_below(ax, 0.22 + 0.07 * (len(groups) + 0.5))
    return ax


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
              attitude: str = "attitude_z", usage: str = "repeat_use_z",
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
_ECSI_LAYOUT = {"Image": (0.0, 2.0), "Expectation": (0.0, 1.0), "Quality": (0.0, 0.0),
                "Value": (1.1, -0.3), "Satisfaction": (2.0, 1.2), "Complaints": (3.0, 0.3),
                "Loyalty": (3.0, 2.0)}


def _layered(model) -> dict[str, tuple[float, float]]:
    # column = longest chain of paths leading to the construct; rows spread within a column
    layer: dict[str, int] = {}
    for c in model.constructs:  # causal order: predecessors come first
        layer[c] = 1 + max((layer[p] for p in model.predecessors(c)), default=-1)
    pos = {}
    for k in set(layer.values()):
        col = [c for c in model.constructs if layer[c] == k]
        for i, c in enumerate(col):
            pos[c] = (1.5 * k, (len(col) - 1) / 2 - i + (0.35 if k % 2 else 0.0))
    return pos


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def path_diagram(result, ax=None, *, positions: dict | None = None, title: str | None = None):
    """Path diagram of a fitted PLS model: constructs, R-squared and path coefficients.

    Arrow width follows the size of the coefficient; with bootstrap results (``fit_pls(...,
    n_boot=...)``) stars mark bootstrap p-values (* < 0.05, ** < 0.01, *** < 0.001) and
    non-significant paths are dashed.

    Parameters
    ----------
    result : PLSResult
        From :func:`loyaltylab.structural.fit_pls`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    positions : dict, optional
        ``{construct: (x, y)}``; by default the usual ECSI drawing for ECSI constructs,
        otherwise columns by causal order.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    model = result.model
    curve: dict[tuple[str, str], float] = {}
    if positions is None:
        if set(model.constructs) <= set(_ECSI_LAYOUT):
            positions = _ECSI_LAYOUT
        else:
            positions = _layered(model)
            # paths that skip a column bend around the constructs in between
            curve = {(f, t): 0.3 for f, t in model.paths
                     if positions[t][0] - positions[f][0] > 1.5}
    missing = [c for c in model.constructs if c not in positions]
    if missing:
        raise ValueError(f"positions has no place for construct(s) {missing}")
    ax = _ax(ax)
    r2 = result.r_squared.set_index("construct")["r_squared"]
    boot = "p_value" in result.paths
    w, h = 0.42, 0.16  # half-width and half-height of a construct's ellipse
    for _, row in result.paths.iterrows():
        (x0, y0), (x1, y1) = positions[row["from"]], positions[row["to"]]
        d = np.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        # start and end on the ellipses' edges
        r0 = 1 / np.hypot(ux / w, uy / h)
        rad = curve.get((row["from"], row["to"]), 0.0)
        sig = not boot or row["p_value"] < 0.05
        ax.annotate("", xy=(x1 - ux * r0, y1 - uy * r0), xytext=(x0 + ux * r0, y0 + uy * r0),
                    arrowprops={"arrowstyle": "-|>", "lw": 0.6 + 3 * abs(row["coef"]),
                                "color": "0.25", "ls": "-" if sig else "--",
                                "shrinkA": 0, "shrinkB": 0,
                                "connectionstyle": f"arc3,rad={rad}"})
        # the middle of matplotlib's arc3 curve: half the control point's offset
        mx = (x0 + x1) / 2 + 0.5 * rad * (y1 - y0)
        my = (y0 + y1) / 2 - 0.5 * rad * (x1 - x0)
        label = f"{row['coef']:.2f}" + (_stars(row["p_value"]) if boot else "")
        ax.text(mx, my, label, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    colours = _palette(2)
    for c in model.constructs:
        x, y = positions[c]
        endo = c in r2.index
        ax.add_patch(plt.matplotlib.patches.Ellipse(
            (x, y), 2 * w, 2 * h, fc=colours[1 if endo else 0], alpha=0.25, ec="0.2"))
        text = c + (f"\nR² = {r2[c]:.2f}" if endo else "")
        ax.text(x, y, text, ha="center", va="center", fontsize=9)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set_xlim(min(xs) - w - 0.1, max(xs) + w + 0.1)
    ax.set_ylim(min(ys) - h - 0.15 - (0.3 if curve else 0), max(ys) + h + 0.15)
    ax.set_aspect("equal")
    ax.set_axis_off()
    note = ("standardised path coefficients; * p < 0.05, ** p < 0.01, *** p < 0.001 "
            f"({result.bootstrap.n_boot:,} bootstrap resamples), dashed: not significant"
            if boot else "standardised path coefficients")
    ax.set_title(title or f"PLS path model ({result.scheme} weighting)", fontsize=10)
    ax.text(0.5, -0.02, note, transform=ax.transAxes, ha="center", va="top", fontsize=7,
            color="0.3")
    return ax


def ipma(result, ax=None, title: str | None = None):
    """Importance-performance map from :func:`loyaltylab.structural.ipma`.

    Importance (unstandardised total effect on the target) on the x axis, performance
    (0-100) on the y axis, dashed lines at the means: a construct to the right and low is
    the one to improve first.

    Parameters
    ----------
    result : IPMA
        From ``PLSResult.ipma(...)``.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when omitted).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    t = result.table
    ax.scatter(t["importance"], t["performance"], s=50, color=_palette(1)[0], zorder=3)
    for _, r in t.iterrows():
        ax.annotate(r["construct"], (r["importance"], r["performance"]), xytext=(5, 4),
                    textcoords="offset points", fontsize=8)
    ax.axvline(t["importance"].mean(), color="0.5", ls="--", lw=1)
    ax.axhline(t["performance"].mean(), color="0.5", ls="--", lw=1)
    pad = 0.1 * (t["importance"].max() - t["importance"].min() or 1)
    ax.set_xlim(min(0, t["importance"].min()) - pad, t["importance"].max() + 3 * pad)
    ax.set(xlabel=f"importance (total effect on {result.target}, points per point)",
           ylabel="performance (0-100)",
           title=title or f"Importance-performance map of {result.target}")
    return ax

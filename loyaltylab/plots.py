"""Figures for what the analytic modules compute. Every function draws a result it is given
(it computes no statistic of its own), accepts ``ax=``, and returns the Axes."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns


def _ax(ax):
    return plt.subplots()[1] if ax is None else ax


def retention_curves(result, ax=None, at_risk: bool = True, unit: str = "years",
                     ticks: Sequence[float] | None = None, title: str | None = None):
    """Kaplan-Meier curves with confidence bands and an at-risk table beneath (as survminer).

    Parameters
    ----------
    result : RetentionCurves
        From :func:`loyaltylab.lapse.retention_curves`.
    at_risk : bool
        Print the number still at risk at each x tick under the axis.
    unit : str
        Time unit for the axis label.
    """
    ax = _ax(ax)
    tab = result.table
    groups = list(dict.fromkeys(tab["group"]))
    palette = sns.color_palette(n_colors=len(groups))
    for color, g in zip(palette, groups, strict=True):
        sub = tab[tab["group"] == g]
        ax.step(sub["time"], sub["retention"], where="post", color=color, label=str(g), lw=1.8)
        ax.fill_between(sub["time"], sub["ci_low"], sub["ci_high"], step="post", color=color,
                        alpha=0.2, lw=0)
    ax.set(ylim=(0, 1.02), xlabel=f"tenure ({unit})", ylabel="share still members",
           title=title or "Retention curves (Kaplan-Meier, 95% bands)")
    ax.set_xlim(left=0)
    if len(groups) > 1:
        ax.legend(title=None, loc="lower left", frameon=True)
    if at_risk:
        if ticks is not None:
            ax.set_xticks(list(ticks))
        xt = [x for x in ax.get_xticks() if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]]
        ax.set_xticks(xt)
        data = result._data
        for i, (color, g) in enumerate(zip(palette, groups, strict=True)):
            t = data.loc[data["group"] == g, "t"].to_numpy()
            y = -0.22 - 0.07 * i
            ax.text(0.0, y, f"{str(g)[:14]}", transform=ax.transAxes, ha="right", va="center",
                    fontsize=8, color=color)
            for x in xt:
                ax.text(x, y, f"{int((t >= x).sum())}", ha="center", va="center", fontsize=8,
                        color=color, transform=ax.get_xaxis_transform())
        ax.text(0.5, -0.22 - 0.07 * len(groups), "number at risk", ha="center",
                transform=ax.transAxes, fontsize=8, color="0.3")
    return ax


def cohort_heatmap(table: pd.DataFrame, ax=None, title: str | None = None):
    """Heatmap of a :func:`loyaltylab.lapse.cohort_table` (share retained)."""
    ax = _ax(ax)
    tri = table.pivot(index="cohort", columns="period", values="share")
    sns.heatmap(tri, annot=True, fmt=".0%", cmap="crest", vmin=0, vmax=1, cbar_kws={
        "label": "share still members"}, ax=ax, annot_kws={"fontsize": 8})
    ax.set(xlabel="periods since joining", ylabel="cohort (join period)",
           title=title or "Cohort retention")
    return ax


def forest(effects: pd.DataFrame, ax=None, estimate: str | None = None,
           truth: pd.Series | None = None, title: str | None = None):
    """Forest plot of hazard ratios (or time ratios) with intervals, log scale.

    Parameters
    ----------
    effects : DataFrame
        :meth:`LapseModel.effects` output (``covariate``, ratio column, ``ci_low``,
        ``ci_high``).
    truth : Series, optional
        Known values (e.g. the simulator's) drawn as crosses.
    """
    ax = _ax(ax)
    est = estimate or ("hazard_ratio" if "hazard_ratio" in effects else "time_ratio")
    e = effects.reset_index(drop=True)
    y = np.arange(len(e))[::-1]
    ax.errorbar(e[est], y, xerr=[e[est] - e["ci_low"], e["ci_high"] - e[est]], fmt="o",
                color="C0", capsize=3, label="estimate (95% CI)")
    if truth is not None:
        tv = e["covariate"].map(truth)
        ok = tv.notna()
        ax.scatter(tv[ok], y[ok.to_numpy()], marker="x", color="C3", zorder=3, label="truth")
        ax.legend(loc="best")
    ax.axvline(1, color="0.4", lw=1, ls="--")
    ax.set_xscale("log")
    ax.set_yticks(y, e["covariate"])
    ax.set(xlabel=est.replace("_", " ") + " (log scale)", ylabel="",
           title=title or est.replace("_", " ").capitalize() + "s")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    return ax


def sbg_fit(result, periods: int, ax=None, title: str | None = None):
    """Observed survival vs the sBG fit, with the projection beyond the data."""
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
    """Member value (or DERL) by number of renewals."""
    ax = _ax(ax)
    ax.plot(values.index, values.to_numpy(), marker="o", color="C2")
    ax.set(xlabel="renewals made so far", ylabel=f"expected value ({currency})",
           title=title or "Value of a member by tenure")
    ax.set_ylim(bottom=0)
    return ax

"""Figures of online reviews: who gets an answer, the two clocks, the effect of replying."""

from __future__ import annotations

import numpy as np

from loyaltylab.plots._common import _ax, _level, _make_room_below, _palette


def reply_coverage(result, ax=None, title: str | None = None):
    """Share of reviews answered per group with its interval (:func:`loyaltylab.reviews.
    reply_coverage`); the overall share is the dashed line.

    Parameters
    ----------
    result : ReplyCoverage
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    tab = result.table
    groups, overall = tab.iloc[:-1], tab.iloc[-1]
    y = np.arange(len(groups))[::-1]
    colour = _palette(1)[0]
    ax.errorbar(groups["share"], y, xerr=[groups["share"] - groups["ci_low"],
                                          groups["ci_high"] - groups["share"]],
                fmt="o", color=colour, capsize=3)
    ax.axvline(overall["share"], color="0.4", ls="--", lw=1,
               label=f"all reviews ({overall['share']:.0%})")
    ax.set_yticks(y, [f"{g} (n={n:,})" for g, n in zip(groups["group"], groups["reviews"],
                                                        strict=True)])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(f"share of reviews answered ({_level(result)} interval)")
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_title(title or "Who gets an answer")
    return ax


def waiting_curves(result, ax=None, unit: str = "hours", horizon: float | None = None,
                   title: str | None = None):
    """Share of reviews still waiting for an answer (and, if computed, for a resolution)
    against the time since posting, with bands (:func:`loyaltylab.reviews.response_times`).

    Parameters
    ----------
    result : ResponseTimes
    ax : matplotlib Axes, optional
    unit : {"hours", "days"}
    horizon : float, optional
        Right end of the time axis, in ``unit`` (default: two weeks; reviews never answered
        keep the curves flat long after).
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    scale = {"hours": 1.0, "days": 24.0}[unit]
    horizon = 14 * 24 / scale if horizon is None else float(horizon)
    for (name, curves), colour in zip(result.curves.items(), _palette(len(result.curves)),
                                      strict=True):
        t = curves.table
        ax.step(t["time"] / scale, t["retention"], where="post", color=colour, label=name)
        ax.fill_between(t["time"] / scale, t["ci_low"], t["ci_high"], step="post",
                        color=colour, alpha=0.2, lw=0)
    ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(f"{unit} since the review was posted")
    ax.set_ylabel("still waiting")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, frameon=False,
              fontsize=8)
    _make_room_below(ax, 0.18 + 0.07 * len(result.curves))
    ax.set_title(title or "Answering is not solving")
    return ax


def reply_event_time(result, outcome: str = "rating (stars)", ax=None,
                     title: str | None = None):
    """Event-time estimates of the effect of replying (:func:`loyaltylab.reviews.
    reply_effect`): periods before the first reply test parallel trends, periods after show
    the effect; the pooled estimate is the shaded band.

    Parameters
    ----------
    result : ReplyEffect
    outcome : {"rating (stars)", "reviews per period"}
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _ax(ax)
    et = result.event_time
    if outcome not in set(et["outcome"]):
        raise ValueError(f"outcome must be one of {sorted(set(et['outcome']))}, got "
                         f"{outcome!r}")
    d = et[et["outcome"] == outcome]
    pooled = result.effects.set_index("outcome").loc[outcome]
    colour = _palette(1)[0]
    ax.errorbar(d["event_time"], d["estimate"], yerr=[d["estimate"] - d["ci_low"],
                                                      d["ci_high"] - d["estimate"]],
                fmt="o", color=colour, capsize=2, label="by period")
    ax.plot([-1], [0], "o", mfc="white", color=colour, label="reference (period -1)")
    ax.fill_between([-0.5, d["event_time"].max() + 0.5], pooled["ci_low"], pooled["ci_high"],
                    color="0.85", zorder=0, lw=0,
                    label=f"pooled after the first reply ({_level(result)})")
    ax.axhline(0, color="0.4", lw=1)
    ax.axvline(-0.5, color="0.4", lw=1, ls="--")
    ax.set_xlabel("periods since the first reply (end bins pool the rest)")
    ax.set_ylabel("stars" if "rating" in outcome else "relative change")
    if "rating" not in outcome:
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:+.0%}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False,
              fontsize=8)
    _make_room_below(ax, 0.28)
    ax.set_title(title or f"Effect of replying on {outcome.split(' (')[0]}")
    return ax

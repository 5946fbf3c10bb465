"""Figures of the PLS path model: the path diagram and the importance-performance map."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from loyaltylab.plots._common import _ax, _palette

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

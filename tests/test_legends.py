"""Legends never cover data: every figure function with a legend is drawn on realistic data,
and no plotted point, line segment or bar may lie under its legend box (in screen
coordinates, after drawing)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from loyaltylab import drivers, lapse, metrics, plots
from tests._data import lung as load_lung
from tests.test_reasons import _members


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _covered(ax) -> list[str]:
    """What data lies under the legend box (empty when nothing does)."""
    legend = ax.get_legend()
    assert legend is not None, "this figure should have a legend"
    ax.figure.canvas.draw()
    box = legend.get_window_extent().padded(-1)
    clip = ax.get_window_extent()
    hits = []
    for line in ax.get_lines():
        xy = line.get_xydata()
        if len(xy) == 0 or not np.isfinite(xy).any():
            continue
        if line.get_linestyle() in ("None", "") and line.get_marker() in ("None", "", None):
            continue
        pts = ax.transData.transform(xy[np.isfinite(xy).all(axis=1)])
        # sample each segment so that a line crossing the box is caught between vertices
        if len(pts) > 1 and line.get_linestyle() not in ("None", ""):
            t = np.linspace(0, 1, 25)[:, None, None]
            pts = (pts[:-1] * (1 - t) + pts[1:] * t).reshape(-1, 2)
        inside = [p for p in pts if box.contains(*p) and clip.contains(*p)]
        if inside:
            hits.append(f"line {line.get_label()!r} ({len(inside)} points)")
    for coll in ax.collections:
        offs = coll.get_offsets()
        if len(offs) and coll.get_offset_transform() is ax.transData:
            inside = [p for p in ax.transData.transform(offs) if box.contains(*p)]
            if inside:
                hits.append(f"points {coll.get_label()!r} ({len(inside)})")
    for patch in ax.patches:
        if isinstance(patch, plt.Rectangle) and patch.get_height() and patch.get_width():
            if box.overlaps(patch.get_window_extent()):
                hits.append(f"bar at {patch.get_x():.3g}")
    return hits


def _lung_curves():
    fig, ax = plt.subplots(figsize=(7, 4.2))
    rc = lapse.retention_curves(load_lung(), "time", "status", by="sex")
    return plots.retention_curves(rc, ax=ax, unit="days")


def _library_curves(lib):
    fig, ax = plt.subplots(figsize=(8, 5))
    t = lapse.tenure_table(lib.members, lib.as_of)
    rc = lapse.retention_curves(t, "tenure", "has_lapsed", by="member_type")
    return plots.retention_curves(rc, ax=ax)


def _incidence():
    fig, ax = plt.subplots(figsize=(7, 4.2))
    res = lapse.cumulative_incidence(_members(), "t", "why", by="grp")
    return plots.cumulative_incidence(res, ax=ax, unit="tenths of a year")


def _forest():
    fig, ax = plt.subplots(figsize=(6, 3))
    m = lapse.fit_lapse_model(load_lung(), "time", "status", ["age", "sex", "ph.ecog"])
    return plots.forest(m.effects(), ax=ax, truth=pd.Series({"age": 1.01, "sex": 0.6}))


def _sbg():
    fig, ax = plt.subplots()
    res = lapse.fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    return plots.sbg_fit(res, 12, ax=ax)


def _nps(lib):
    fig, ax = plt.subplots()
    by = metrics.nps_by_group(lib.survey.merge(lib.members[["member_id", "branch"]]), "branch")
    return plots.nps_composition(by, ax=ax)


def _dick_basu(lib):
    fig, ax = plt.subplots()
    prof = metrics.loyalty_profile(lib.members, lib.visits, lib.survey, lib.as_of)
    return plots.dick_basu(prof, metrics.loyalty_segments(prof), ax=ax)


def _ipa(lib):
    fig, ax = plt.subplots()
    ip = drivers.importance_performance(lib.survey, "recommend",
                                        ["journey", "tp_desk", "tp_website"], low=1, high=10,
                                        n_boot=50)
    return plots.importance_performance(ip, ax=ax)


def _calibration():
    from loyaltylab import datasets

    s = lapse.rfm_summary(datasets.load_cdnow(), "customer_id", "date",
                          calibration_end="1997-09-30").data
    fit = lapse.fit_bgnbd(s)
    fig, ax = plt.subplots()
    return plots.calibration_histogram(lapse.calibration_histogram(fit, s), ax=ax)


def _tracking():
    grid = np.arange(1, 79)
    actual = np.cumsum(np.r_[np.linspace(0, 400, 39), np.full(39, 250)])
    fig, ax = plt.subplots()
    return plots.tracking(grid, actual, actual * 0.95, calibration_end=39, ax=ax)


FIGURES = {"retention curves (lung)": lambda lib: _lung_curves(),
           "retention curves (library)": _library_curves,
           "cumulative incidence": lambda lib: _incidence(),
           "forest": lambda lib: _forest(), "sBG fit": lambda lib: _sbg(),
           "NPS composition": _nps, "Dick & Basu": _dick_basu,
           "importance-performance": _ipa,
           "calibration histogram": lambda lib: _calibration(),
           "tracking": lambda lib: _tracking()}


@pytest.mark.parametrize("name", list(FIGURES))
def test_legend_covers_no_data(name, lib):
    ax = FIGURES[name](lib)
    assert _covered(ax) == [], name


def test_the_check_catches_a_covering_legend():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="a diagonal")
    ax.legend(loc="center")
    assert _covered(ax)

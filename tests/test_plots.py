"""Figures: each accepts ax=, returns it, and draws labelled axes."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from loyaltylab import lapse, plots
from tests._data import lung as load_lung


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _labelled(ax):
    return ax.get_xlabel() and ax.get_title()


def test_lapse_figures(lib):
    lung = load_lung()
    fig, ax = plt.subplots()
    rc = lapse.retention_curves(lung, "time", "status", by="sex")
    assert plots.retention_curves(rc, ax=ax, unit="days") is ax and _labelled(ax)
    assert any(t.get_text() == "number at risk" for t in ax.texts)
    ct = lapse.cohort_table(lib.members, lib.as_of)
    assert _labelled(plots.cohort_heatmap(ct))
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex"])
    ax = plots.forest(m.effects(), truth=pd.Series({"age": 1.1}))
    assert ax.get_xscale() == "log" and _labelled(ax)
    res = lapse.fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    assert _labelled(plots.sbg_fit(res, 12))
    assert _labelled(plots.member_value(res.member_value(100, renewals=range(8))))


def test_metric_figures(lib):
    from loyaltylab import drivers, metrics, scales

    s = lib.survey
    by = metrics.nps_by_group(s.merge(lib.members[["member_id", "branch"]]), "branch")
    fig, ax = plt.subplots()
    assert plots.nps_composition(by, ax=ax) is ax and _labelled(ax)
    ia = scales.item_analysis(s, scales.STANDARD_SCALES["switching"])
    assert _labelled(plots.item_profile(ia))
    items = [i for sc in scales.STANDARD_SCALES.values() for i in sc.items]
    assert _labelled(plots.loadings(scales.efa(s, items, 5)))
    prof = metrics.loyalty_profile(lib.members, lib.visits, s, lib.as_of)
    assert _labelled(plots.dick_basu(prof, metrics.loyalty_segments(prof)))
    kd = drivers.key_drivers(s, "recommend", ["journey", "tp_desk", "tp_website"], n_boot=50)
    assert _labelled(plots.driver_importance(kd))
    ip = drivers.importance_performance(s, "recommend", ["journey", "tp_desk", "tp_website"],
                                        low=1, high=10, n_boot=50)
    assert _labelled(plots.importance_performance(ip))
    g = metrics.service_gaps(s, {"place": ["lq_lp1", "lq_lp2"]})
    assert _labelled(plots.service_gaps(g))


def test_at_risk_table_survives_a_plain_savefig(lib):
    # the at-risk table is drawn below the axes; it must lie inside the figure, or a plain
    # fig.savefig() (no bbox_inches="tight") cuts it off
    import io

    from loyaltylab import lapse

    t = lapse.tenure_table(lib.members, lib.as_of)
    rc = lapse.retention_curves(t, "tenure", "has_lapsed", by="member_type")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    plots.retention_curves(rc, ax=ax)
    fig.savefig(io.BytesIO(), format="png")
    renderer = fig.canvas.get_renderer()
    fig_box = fig.bbox
    table = [tx for tx in ax.texts if tx.get_text().strip()]
    assert len(table) >= 4 * 7  # a row per member type, a column per tick, and labels
    for tx in table:
        box = tx.get_window_extent(renderer)
        assert box.y0 >= fig_box.y0 - 1, f"at-risk entry {tx.get_text()!r} is cut off"
    assert ax.get_legend() is not None and len(ax.get_legend().get_texts()) == 4
    plt.close(fig)


def test_group_colours_are_distinct_and_cohort_axes_labelled(lib):
    import numpy as np
    from matplotlib.colors import to_rgb

    from loyaltylab import lapse

    cols = [np.array(to_rgb(c)) for c in plots._common._palette(6)]
    gaps = [np.abs(a - b).sum() for i, a in enumerate(cols) for b in cols[i + 1:]]
    assert min(gaps) > 0.35  # no two groups in near-identical hues (the plain palette: 0.25)
    fig, ax = plt.subplots()
    plots.cohort_heatmap(lapse.cohort_table(lib.members, lib.as_of), ax=ax)
    assert ax.get_xlabel() == "years since joining"
    assert all(t.get_rotation() == 0 for t in ax.get_yticklabels())
    plt.close(fig)


def test_at_risk_table_has_no_column_of_zeros(lib):
    from loyaltylab import lapse

    rc = lapse.retention_curves(lapse.tenure_table(lib.members, lib.as_of), "tenure",
                                "has_lapsed", by="member_type")
    fig, ax = plt.subplots()
    plots.retention_curves(rc, ax=ax, ticks=[0, 1, 2, 3, 4, 5, 6])  # nobody is followed 6 y
    numbers = [t for t in ax.texts if t.get_text().isdigit()]
    xs = sorted({getattr(t, "xy", t.get_position())[0] for t in numbers})  # annotations
    assert xs == [0, 1, 2, 3, 4, 5]
    plt.close(fig)


def test_forest_legend_does_not_cover_the_estimates():
    lung = load_lung()
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex", "ph.ecog"])
    fig, ax = plt.subplots(figsize=(6, 3))
    plots.forest(m.effects(), ax=ax, truth=pd.Series({"age": 1.01, "sex": 0.6}))
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    # every plotted point (estimates and truth) lies outside the legend box
    for coll in ax.collections:
        for xy in ax.transData.transform(coll.get_offsets()):
            assert not legend.contains(*xy)
    for line in ax.get_lines():
        for xy in ax.transData.transform(line.get_xydata()):
            assert not legend.contains(*xy)
    plt.close(fig)


def test_served_within_figure_refuses_an_unknown_threshold():
    import pandas as pd

    from loyaltylab import encounters

    res = encounters.served_within(pd.DataFrame({"wait_minutes": [1, 4, 9]}), thresholds=(5,))
    with pytest.raises(ValueError, match="minutes=7 is not a threshold"):
        plots.served_within(res, minutes=7)
    ax = plots.served_within(res, expected=None)  # no groups: the overall share only
    assert ax.get_xlabel().startswith("share served within 5 minutes")


@pytest.mark.parametrize("size", [(7, 4.2), (5.6, 3.36), (8, 6)])
def test_at_risk_table_clears_the_axis_label_and_stays_in_the_figure(size):
    # issue 26: on short axes (notebook 7) the table ran into "tenure (years)"
    import loyaltylab
    from loyaltylab import datasets

    loyaltylab.notebook_setup()  # the notebooks' larger fonts
    t = lapse.tenure_table(datasets.load_library().members, "2024-12-31").data
    curves = lapse.retention_curves(t, "tenure", "has_lapsed", by="member_type")
    fig, ax = plt.subplots(figsize=size)
    plots.retention_curves(curves, ax=ax)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    label = ax.xaxis.label.get_window_extent(r)
    table = [a.get_window_extent(r) for a in ax.texts]
    assert table and all(b.y1 < label.y0 for b in table)  # every row below the label
    assert all(b.y0 >= 0 for b in table)  # inside the figure (a plain savefig keeps it)
    plt.close(fig)

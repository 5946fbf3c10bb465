"""Image tests: the main figures rendered on fixed data and compared with stored baselines
(pytest-mpl, RMS tolerance 2 on a 0-255 scale). ``make test`` runs them with ``--mpl``;
``make baselines`` regenerates the images after an intended change (look at them first).

nbval never compares images, so without these a broken figure would pass every other test.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from loyaltylab import lapse, metrics, plots
from tests._data import lung as load_lung

COMPARE = {"baseline_dir": "baseline", "tolerance": 2, "style": "default",
           "savefig_kwargs": {"dpi": 80}}


@pytest.fixture(scope="module")
def lung():
    return load_lung()


@pytest.mark.mpl_image_compare(**COMPARE)
def test_retention_curves_figure(lung):
    rc = lapse.retention_curves(lung, "time", "status", by="sex")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    plots.retention_curves(rc, ax=ax, unit="days", ticks=[0, 250, 500, 750, 1000])
    return fig


@pytest.mark.mpl_image_compare(**COMPARE)
def test_forest_figure(lung):
    m = lapse.fit_lapse_model(lung, "time", "status", ["age", "sex", "ph.ecog"])
    fig, ax = plt.subplots(figsize=(6, 3))
    plots.forest(m.effects(), ax=ax)
    return fig


@pytest.mark.mpl_image_compare(**COMPARE)
def test_cumulative_incidence_figure():
    rng = np.random.default_rng(1)
    n = 400
    t = np.floor(rng.exponential(5, n) * 10) / 10 + 0.1
    why = rng.choice([0, 1, 2], n, p=[0.3, 0.5, 0.2])
    res = lapse.cumulative_incidence(pd.DataFrame({"t": t, "why": why}), "t", "why")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    plots.cumulative_incidence(res, ax=ax)
    return fig


@pytest.mark.mpl_image_compare(**COMPARE)
def test_cohort_heatmap_figure(lib):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    plots.cohort_heatmap(lapse.cohort_table(lib.members, lib.as_of), ax=ax)
    return fig


@pytest.mark.mpl_image_compare(**COMPARE)
def test_nps_composition_figure(lib):
    survey = lib.survey.merge(lib.members[["member_id", "branch"]], on="member_id")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    plots.nps_composition(metrics.nps_by_group(survey, "branch"), ax=ax)
    return fig


def test_a_figure_without_its_at_risk_table_or_legend_fails(lung, tmp_path):
    # the image comparison itself must notice a missing at-risk table: compare a figure
    # drawn without it against the stored baseline
    from matplotlib.testing.compare import compare_images

    from tests.conftest import ROOT

    rc = lapse.retention_curves(lung, "time", "status", by="sex")
    with plt.style.context("default"):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        plots.retention_curves(rc, ax=ax, unit="days", ticks=[0, 250, 500, 750, 1000],
                               at_risk=False)
        ax.get_legend().remove()
        out = tmp_path / "broken.png"
        fig.savefig(out, dpi=80)
        plt.close(fig)
    baseline = ROOT / "tests" / "baseline" / "test_retention_curves_figure.png"
    assert compare_images(str(baseline), str(out), tol=2) is not None


@pytest.fixture(scope="module")
def ecsi_fit():
    from loyaltylab import datasets, structural

    return structural.fit_pls(datasets.load_ecsi("mobi"), structural.ECSI_MOBI, n_boot=200,
                              seed=1, progress=False)


@pytest.mark.mpl_image_compare(**COMPARE)
def test_path_diagram_figure(ecsi_fit):
    fig, ax = plt.subplots(figsize=(8, 5.5))
    plots.path_diagram(ecsi_fit, ax=ax)
    return fig


@pytest.mark.mpl_image_compare(**COMPARE)
def test_ipma_figure(ecsi_fit):
    fig, ax = plt.subplots(figsize=(6, 4))
    plots.ipma(ecsi_fit.ipma("Loyalty", scale=(1, 10)), ax=ax)
    return fig


def test_path_diagram_shows_every_path_and_construct(ecsi_fit):
    fig, ax = plt.subplots()
    plots.path_diagram(ecsi_fit, ax=ax)
    texts = [t.get_text() for t in ax.texts]
    arrows = [c for c in ax.texts if getattr(c, "arrow_patch", None) is not None]
    assert len(arrows) == len(ecsi_fit.paths)
    # a dashed arrow is a path whose bootstrap p-value is 0.05 or more
    dashed = [a for a in arrows if a.arrow_patch.get_linestyle() != "-"]
    assert len(dashed) == int((ecsi_fit.paths["p_value"] >= 0.05).sum()) > 0
    for _, row in ecsi_fit.paths.iterrows():
        assert any(t.startswith(f"{row['coef']:.2f}") for t in texts)
    for c in ecsi_fit.model.constructs:
        assert any(t.startswith(c) for t in texts)
    assert "Satisfaction\nR² = 0.68" in texts
    # the constructs' ellipses lie inside the axes, so savefig cannot crop them
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for p in ax.patches:
        cx, cy = p.center
        assert x0 < cx - p.width / 2 and cx + p.width / 2 < x1
        assert y0 < cy - p.height / 2 and cy + p.height / 2 < y1
    plt.close(fig)


@pytest.fixture(scope="module")
def review_pages():
    from loyaltylab import reviews

    sim = reviews.simulate_reviews(seed=20, branches=8, months=24)
    adopted = sim.reviews["branch"].map(sim.truth["adoption"])
    return sim.reviews, sim.reviews[adopted.notna() & (sim.reviews["posted"] >= adopted)]


@pytest.mark.mpl_image_compare(**COMPARE)
def test_reply_coverage_figure(review_pages):
    from loyaltylab import reviews

    fig, ax = plt.subplots(figsize=(6, 3))
    plots.reply_coverage(reviews.reply_coverage(review_pages[1]), ax=ax)
    fig.tight_layout()
    return fig


@pytest.mark.mpl_image_compare(**COMPARE)
def test_waiting_curves_figure(review_pages):
    from loyaltylab import reviews

    fig, ax = plt.subplots(figsize=(6, 4))
    plots.waiting_curves(reviews.response_times(review_pages[1], resolved="resolved"),
                         ax=ax, unit="days")
    return fig


@pytest.mark.mpl_image_compare(**COMPARE)
def test_reply_event_time_figure(review_pages):
    from loyaltylab import reviews

    fig, ax = plt.subplots(figsize=(6, 4))
    plots.reply_event_time(reviews.reply_effect(review_pages[0]), ax=ax)
    return fig


@pytest.fixture(scope="module")
def desk():
    from loyaltylab import simulate

    return simulate.service_encounters(n_members=1500, seed=4)


@pytest.mark.mpl_image_compare(**COMPARE)
def test_served_within_figure(desk):
    from loyaltylab import encounters

    v = desk.visits.merge(desk.members[["member_id", "branch"]], on="member_id")
    fig, ax = plt.subplots(figsize=(6, 4))
    plots.served_within(encounters.served_within(v, thresholds=(5, 10), by="branch"), ax=ax)
    fig.tight_layout()
    return fig


@pytest.mark.mpl_image_compare(**COMPARE)
def test_expectation_drift_figure(desk):
    from loyaltylab import encounters

    fig, ax = plt.subplots(figsize=(6, 4))
    plots.expectation_drift(encounters.expectation_drift(desk.survey, desk.truth["dimensions"]),
                            ax=ax)
    fig.tight_layout()
    return fig

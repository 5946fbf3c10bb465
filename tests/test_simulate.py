"""The simulated library: determinism, argument checks and recovery of its truth."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltylab import simulate
from loyaltylab._library import FACTORS


@pytest.fixture(scope="module")
def big():
    # Large enough for tight intervals; complaints off so every effect is a baseline covariate.
    return simulate.library(n_members=30_000, years=6, seed=11, complaint_rate=0.0)


def test_deterministic():
    a = simulate.library(n_members=300, years=3, seed=5)
    b = simulate.library(n_members=300, years=3, seed=5)
    for name, frame in a.to_frames().items():
        pd.testing.assert_frame_equal(frame, b.to_frames()[name], obj=name)
    c = simulate.library(n_members=300, years=3, seed=6)
    assert not a.members["joined"].equals(c.members["joined"])


def test_tables_are_consistent():
    lib = simulate.library(n_members=2000, years=5, seed=3)
    m = lib.members.set_index("member_id")
    v = lib.visits.join(m, on="member_id")
    assert (v["date"] >= v["joined"]).all()
    end = v["lapsed"].fillna(lib.as_of)
    assert (v["date"] <= end).all()
    c = lib.complaints.join(m, on="member_id")
    assert (c["date"] >= c["joined"]).all() and (c["date"] <= c["lapsed"].fillna(lib.as_of)).all()
    assert (lib.members["lapsed"].dropna() > lib.members.loc[lib.members["lapsed"].notna(),
                                                             "joined"]).all()
    assert set(lib.complaints["category"].unique()) == {"value", "systems", "people"}
    s = lib.survey.join(m, on="member_id")
    assert (s["date"] >= s["joined"]).all() and (s["date"] <= s["lapsed"].fillna(lib.as_of)).all()
    assert lib.survey["recommend"].dropna().between(0, 10).all()
    assert 0.01 < lib.survey[["sat1", "rel1", "recommend"]].isna().mean().mean() < 0.06
    assert (lib.truth.members["member_id"] == lib.members["member_id"]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_members": -5}, "n_members must be at least 1"),
        ({"n_members": 0}, "n_members must be at least 1"),
        ({"years": 0}, "years must be at least 1"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"hr_satisfation": 0.8}, "unknown effect name"),
        ({"hr_satisfaction": -0.8}, "must be > 0"),
        ({"response_rate": 1.5}, "response_rate"),
        ({"item_missing": 1.0}, "item_missing"),
        ({"offer_share": -0.1}, "offer_share"),
        ({"visit_rate": -1}, "visit_rate"),
        ({"factor_correlation": -0.6}, "not positive definite"),
    ],
)
def test_bad_arguments(kwargs, message):
    args = {"n_members": 100, "years": 2, "seed": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        simulate.library(**args)


def test_cox_recovers_every_hazard_ratio(big):
    """Cox on the latent covariates recovers each generating hazard ratio.

    Bonferroni-adjusted 95% intervals over the 12 coefficients, so the test is a real check of
    the simulator and not a 1-in-2 lottery on which of 12 nominal intervals misses.
    """
    lib, tm = big, big.truth.members
    m = lib.members
    end = m["lapsed"].fillna(lib.as_of)
    df = tm[[*FACTORS, "journey"]].copy()
    df["touchpoint"] = tm[["touchpoint_desk", "touchpoint_catalogue",
                           "touchpoint_website"]].sum(axis=1)
    df["joined_via_offer"] = m["joined_via_offer"].astype(float)
    for t in ("family", "senior", "student"):
        df[t] = (m["member_type"] == t).astype(float)
    df["years"] = (end - m["joined"]).dt.days / simulate.DAYS_PER_YEAR
    df["lapsed"] = m["lapsed"].notna()
    # statsmodels' PHReg, a fitter independent of the package (continuous tenures: no ties)
    from statsmodels.duration.hazard_regression import PHReg

    covs = [c for c in df.columns if c not in ("years", "lapsed")]
    fit = PHReg(df["years"].to_numpy(), df[covs].to_numpy(float),
                status=df["lapsed"].to_numpy(int)).fit()
    params, se = pd.Series(fit.params, index=covs), pd.Series(fit.bse, index=covs)
    truth = np.log(lib.truth.hazard_ratios[covs])
    z = (params - truth) / se
    crit = stats.norm.ppf(1 - 0.05 / (2 * len(z)))
    assert (z.abs() < crit).all(), z[z.abs() >= crit]
    # and the estimates are precise enough for this to mean something
    assert (se < 0.05).all()


def _alpha(items: pd.DataFrame) -> float:
    items = items.dropna()
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def test_scale_reliability_and_loadings_come_back(big):
    survey = big.survey[big.survey["wave"] == 1]
    lat = big.truth.members.set_index("member_id").loc[survey["member_id"]]
    for scale, items in simulate.LOADINGS.items():
        cols = list(items)
        data = survey[cols].copy()
        for item, lam in items.items():
            if lam < 0:  # reverse-code on the item's own range
                data[item] = data[item].max() + data[item].min() - data[item]
        a = _alpha((data - data.mean()) / data.std())  # items differ in range (recommend 0-10)
        lam = np.abs(np.array(list(items.values())))
        # alpha of continuous items with these loadings (discretising lowers it a little)
        implied = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        assert 0.7 <= a <= 0.9, (scale, a)
        assert implied - 0.08 < a <= implied + 0.01, (scale, a, implied)
        for item, loading in items.items():
            r = np.corrcoef(survey[item].fillna(survey[item].mean()),
                            lat[scale].to_numpy())[0, 1]
            # Pearson r of a 5- or 10-category item with its factor is the loading times the
            # discretisation's attenuation (about 0.85-0.95 for these categories).
            assert 0.8 < r / loading < 1.0, (item, r, loading)


def test_spurious_and_latent_groups_have_the_implied_size(big):
    got = big.truth.segment_shares
    want = big.truth.expected_segment_shares()
    assert (got - want).abs().max() < 0.015, pd.concat([got, want], axis=1)
    assert got["spurious"] > 0.15 and got["latent"] > 0.15
    # spurious members use the library as much as truly loyal ones but lapse more often
    tm = big.truth.members.assign(lapsed=big.members["lapsed"].notna())
    by = tm.groupby("segment", observed=True)[["use_rate", "lapsed"]].mean()
    assert by.loc["spurious", "use_rate"] > by.loc["latent", "use_rate"]
    assert by.loc["spurious", "lapsed"] > by.loc["true", "lapsed"]


def test_nonresponse_is_not_at_random(big):
    tm = big.truth.members.set_index("member_id")
    responded = tm.index.isin(big.survey["member_id"])
    assert tm.loc[responded, "attitude"].mean() > tm.loc[~responded, "attitude"].mean() + 0.1

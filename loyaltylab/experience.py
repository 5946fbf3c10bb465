"""Why members leave and what brings them back: rejection factors (value, systems, people),
complaints and service recovery, response speed, and journeys vs touchpoints.

A complaint changes a member's lapse hazard from the day it is made, so its effect is
estimated with a time-varying Cox model (lifelines' ``CoxTimeVaryingFitter``) on episodes
split at each member's first complaint. Comparing complainers with non-complainers from the
join date instead would credit complainers with the time they had to survive in order to
complain (immortal-time bias).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from loyaltylab import _validate
from loyaltylab._library import DAYS_PER_YEAR

CATEGORIES = ("value", "systems", "people")


def map_categories(complaints: pd.DataFrame, mapping: Mapping[str, str],
                   column: str = "code") -> pd.DataFrame:
    """Map a library's own complaint codes onto the three rejection factors.

    Parameters
    ----------
    mapping : mapping
        Own code -> "value", "systems" or "people", e.g. ``{"fines": "value",
        "catalogue down": "systems", "rude staff": "people"}``.

    Returns
    -------
    DataFrame
        A copy with a ``category`` column. Codes without a mapping raise an error that lists
        them with their counts, so nothing is dropped silently.
    """
    _validate.frame(complaints, "complaints")
    _validate.columns(complaints, [column], "mapping complaint codes", "complaints")
    bad_targets = sorted({v for v in mapping.values() if v not in CATEGORIES})
    if bad_targets:
        raise ValueError(f"mapping targets {bad_targets} are not rejection factors; use "
                         f"{list(CATEGORIES)}")
    codes = complaints[column]
    unmapped = codes[~codes.isin(list(mapping))]
    if len(unmapped):
        counts = unmapped.astype(str).value_counts().head(8).to_dict()
        raise ValueError(f"column {column!r} has {len(unmapped)} complaint(s) with codes not in "
                         f"the mapping: {counts}; add them to the mapping")
    out = complaints.copy()
    out["category"] = pd.Categorical(codes.map(mapping), categories=list(CATEGORIES))
    return out


def check_complaints(complaints: pd.DataFrame, members: pd.DataFrame,
                     as_of: str | pd.Timestamp, member: str = "member_id") -> pd.DataFrame:
    """Validate a complaints table against the members; returns it with the member's join
    date and end (lapse or ``as_of``) attached.

    Raises on unknown categories, negative or missing response times, unknown members and
    complaints dated before joining or after leaving, naming how many rows and an example.
    """
    _validate.frame(complaints, "complaints")
    _validate.frame(members, "members")
    need = [member, "date", "category"]
    _validate.columns(complaints, need, "complaint analysis", "complaints")
    _validate.columns(members, [member, "joined", "lapsed"], "complaint analysis", "members")
    _validate.unique(members, member, "member")
    cat = complaints["category"].astype(object)
    unknown = cat[~cat.isin(CATEGORIES)]
    if len(unknown):
        raise ValueError(f"column 'category' has {len(unknown)} value(s) that are not rejection "
                         f"factors (e.g. {unknown.iloc[0]!r}); map your codes with "
                         f"map_categories() onto {list(CATEGORIES)}")
    if "response_hours" in complaints:
        _validate.numeric(complaints, "response_hours", lo=0, allow_missing=False,
                          purpose="response-time analysis (hours until the answer)")
    d = _validate.dates(complaints, "date", allow_missing=False, purpose="complaint analysis")
    m = members.set_index(member)
    known = complaints[member].isin(m.index)
    if not known.all():
        raise ValueError(f"{int((~known).sum())} complaint(s) come from members not in members "
                         f"(e.g. {complaints.loc[~known, member].iloc[0]!r}); add or drop them")
    joined = _validate.dates(members, "joined", allow_missing=False).set_axis(m.index)
    end = _validate.dates(members, "lapsed").fillna(pd.Timestamp(as_of)).set_axis(m.index)
    j = joined.reindex(complaints[member]).to_numpy()
    e = end.reindex(complaints[member]).to_numpy()
    before = d.to_numpy() < j
    if before.any():
        raise ValueError(f"{int(before.sum())} complaint(s) are dated before the member joined "
                         f"(e.g. complaint row {int(np.flatnonzero(before)[0])}); fix the dates "
                         f"or the member ids")
    after = d.to_numpy() > e
    if after.any():
        raise ValueError(f"{int(after.sum())} complaint(s) are dated after the member left or "
                         f"after as_of; fix the dates or use a later as_of")
    out = complaints.assign(date=d, joined=j, end=e)
    out["category"] = pd.Categorical(cat, categories=list(CATEGORIES))
    return out


def complaint_rates(complaints: pd.DataFrame, members: pd.DataFrame,
                    as_of: str | pd.Timestamp, by: str | None = None, ci: float = 0.95
                    ) -> pd.DataFrame:
    """Complaints per member-year by rejection factor (and group), with exact Poisson
    intervals.

    Exposure is each member's time from joining to lapse or ``as_of``.
    """
    c = check_complaints(complaints, members, as_of)
    m = members.copy()
    end = _validate.dates(m, "lapsed").fillna(pd.Timestamp(as_of))
    m["_years"] = (end - _validate.dates(m, "joined")).dt.days / DAYS_PER_YEAR
    groups = [by] if by else []
    if by:
        _validate.columns(m, [by], "complaint rates by group", "members")
        c = c.merge(m[["member_id", by]], on="member_id", how="left")
    exposure = m.groupby(groups, observed=True)["_years"].sum() if by else pd.Series(
        {"all members": m["_years"].sum()})
    rows = []
    for cat in CATEGORIES:
        sub = c[c["category"] == cat]
        counts = sub.groupby(groups, observed=True).size() if by else pd.Series(
            {"all members": len(sub)})
        for g, years in exposure.items():
            k = int(counts.get(g, 0))
            a = (1 - ci) / 2
            lo = stats.chi2.ppf(a, 2 * k) / 2 if k > 0 else 0.0
            hi = stats.chi2.ppf(1 - a, 2 * k + 2) / 2
            rows.append({"group": g, "category": cat, "complaints": k, "member_years": years,
                         "rate": k / years, "ci_low": lo / years, "ci_high": hi / years})
    return pd.DataFrame(rows)


def response_times(complaints: pd.DataFrame, by: str = "channel",
                   thresholds: Sequence[float] = (1, 24)) -> pd.DataFrame:
    """Response times by channel: median and quartiles (hours) and the share answered within
    each threshold (default 1 hour and 1 day) with Wilson intervals."""
    _validate.frame(complaints, "complaints")
    _validate.columns(complaints, [by, "response_hours"], "response times", "complaints")
    h = _validate.numeric(complaints, "response_hours", lo=0, allow_missing=False,
                          purpose="response times (hours until the answer)")
    rows = []
    for g, idx in complaints.groupby(by, observed=True).groups.items():
        x = h.loc[idx]
        row = {"group": g, "n": len(x), "median_hours": x.median(), "q1_hours": x.quantile(0.25),
               "q3_hours": x.quantile(0.75)}
        for t in thresholds:
            k = int((x <= t).sum())
            lo, hi = proportion_confint(k, len(x), method="wilson")
            row[f"within_{t:g}h"] = k / len(x)
            row[f"within_{t:g}h_ci_low"], row[f"within_{t:g}h_ci_high"] = lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def complaint_episodes(members: pd.DataFrame, complaints: pd.DataFrame,
                       as_of: str | pd.Timestamp, covariates: pd.DataFrame | None = None
                       ) -> pd.DataFrame:
    """Split each member's membership at their first complaint (for a time-varying Cox model).

    Returns
    -------
    DataFrame
        One or two rows per member: ``member_id``, ``start``, ``stop`` (years since joining),
        ``lapsed`` (in the last row only), and from the first complaint on the indicators
        ``complaint_value``, ``complaint_systems``, ``complaint_people``, ``recovered``
        (first complaint resolved) and ``log10_response_hours`` (0 before). Member-level
        ``covariates`` (indexed by member id) are joined to every row.
    """
    c = check_complaints(complaints, members, as_of)
    as_of = pd.Timestamp(as_of)
    m = members.set_index("member_id")
    joined = _validate.dates(members, "joined").set_axis(m.index)
    lapse_d = _validate.dates(members, "lapsed").set_axis(m.index)
    end = lapse_d.fillna(as_of).clip(upper=as_of)
    years = ((end - joined).dt.days / DAYS_PER_YEAR).clip(lower=0.5 / DAYS_PER_YEAR)
    lapsed = (lapse_d.notna() & (lapse_d <= as_of)).astype(int)
    first = c.sort_values(["member_id", "date"]).drop_duplicates("member_id").set_index(
        "member_id")
    tc = ((first["date"] - joined.reindex(first.index)).dt.days / DAYS_PER_YEAR)
    tc = tc.reindex(m.index)
    split = tc.notna() & (tc < years)
    base = pd.DataFrame({"member_id": m.index, "start": 0.0, "stop": years.to_numpy(),
                         "lapsed": lapsed.to_numpy()})
    cols = ["complaint_value", "complaint_systems", "complaint_people", "recovered",
            "log10_response_hours"]
    for col in cols:
        base[col] = 0.0
    # members complaining on their first day carry the complaint from the start
    at_start = split & (tc <= 0)
    mid = split & (tc > 0)
    before = base[mid.to_numpy()].copy()
    before["stop"] = tc[mid].to_numpy()
    before["lapsed"] = 0
    after = base[split.to_numpy()].copy()
    after["start"] = np.where(at_start[split], 0.0, tc[split].to_numpy())
    f = first.reindex(after["member_id"])
    for cat in CATEGORIES:
        after[f"complaint_{cat}"] = (f["category"].astype(object) == cat).to_numpy(float)
    if "resolved" in f:
        after["recovered"] = f["resolved"].astype(float).to_numpy()
    if "response_hours" in f:
        after["log10_response_hours"] = np.log10(f["response_hours"].clip(lower=0.01)).to_numpy()
    out = pd.concat([base[~split.to_numpy()], before, after]).sort_values(
        ["member_id", "start"]).reset_index(drop=True)
    if covariates is not None:
        out = out.join(covariates, on="member_id")
    out.attrs["report"] = {"n_members": len(m), "n_complained": int(split.sum()),
                           "n_complaints_on_last_day": int((tc.notna() & ~split).sum())}
    return out


@dataclass(frozen=True, repr=False)
class ComplaintModel:
    """Time-varying Cox model of lapse with complaint effects; ``fitter`` is lifelines'
    ``CoxTimeVaryingFitter``."""

    fitter: CoxTimeVaryingFitter
    episodes: pd.DataFrame
    n_excluded: int

    def __repr__(self) -> str:
        return (f"ComplaintModel(members={self.episodes['member_id'].nunique()}, "
                f"lapses={int(self.episodes['lapsed'].sum())}, "
                f"excluded={self.n_excluded})")

    @property
    def params(self) -> pd.Series:
        return self.fitter.params_

    def effects(self, ci: float = 0.95) -> pd.DataFrame:
        """Hazard ratios with intervals (complaint effects apply from the first complaint)."""
        z = stats.norm.ppf(0.5 + ci / 2)
        b, se = self.fitter.params_, self.fitter.standard_errors_
        return pd.DataFrame({"covariate": b.index, "coef": b.to_numpy(), "se": se.to_numpy(),
                             "hazard_ratio": np.exp(b.to_numpy()),
                             "ci_low": np.exp(b - z * se).to_numpy(),
                             "ci_high": np.exp(b + z * se).to_numpy(),
                             "p_value": 2 * stats.norm.sf(np.abs((b / se).to_numpy()))})

    def _combo(self, weights: Mapping[str, float], ci: float) -> tuple[float, float, float]:
        b = self.fitter.params_
        v = self.fitter.variance_matrix_
        w = pd.Series(0.0, index=b.index)
        for k, val in weights.items():
            w[k] = val
        est = float(w @ b)
        se = float(np.sqrt(w @ v.to_numpy() @ w))
        z = stats.norm.ppf(0.5 + ci / 2)
        return np.exp(est), np.exp(est - z * se), np.exp(est + z * se)

    def recovery(self, response_hours: float = 24.0, ci: float = 0.95) -> pd.DataFrame:
        """Hazard ratio after a first complaint, recovered or not, against members who never
        complained, by rejection factor, at a given response time; with the verdict on the
        recovery paradox (recovered complainers lapse *less* than non-complainers)."""
        rows = []
        lh = np.log10(response_hours)
        for cat in CATEGORIES:
            for rec in (1.0, 0.0):
                hr, lo, hi = self._combo({f"complaint_{cat}": 1.0, "recovered": rec,
                                          "log10_response_hours": lh}, ci)
                verdict = ("paradox holds: lapse less than non-complainers" if hi < 1 else
                           "lapse more than non-complainers" if lo > 1 else
                           "no difference established")
                rows.append({"category": cat, "recovered": bool(rec),
                             "response_hours": response_hours, "hazard_ratio": hr,
                             "ci_low": lo, "ci_high": hi, "verdict": verdict})
        return pd.DataFrame(rows)

    def delay_curve(self, hours: Sequence[float] = (0.25, 1, 4, 24, 72, 168),
                    reference: float = 1.0, ci: float = 0.95) -> pd.DataFrame:
        """Dose-response: hazard ratio of an answer after ``hours`` vs one after ``reference``
        hours, with intervals."""
        rows = []
        for h in hours:
            d = np.log10(h) - np.log10(reference)
            hr, lo, hi = self._combo({"log10_response_hours": d}, ci) if d else (1.0, 1.0, 1.0)
            rows.append({"response_hours": h, "hazard_ratio": hr, "ci_low": lo, "ci_high": hi})
        return pd.DataFrame(rows)

    def excess_lapses(self) -> pd.DataFrame:
        """Approximate lapses attributable to each rejection factor.

        For every lapse after a first complaint, the attributable fraction 1 - 1/HR is
        summed by category: ``from_category`` uses the category's own hazard ratio (what the
        rejection factor costs before any recovery), ``net`` the member's whole complaint
        multiplier (category, recovery and response delay as they were handled; negative when
        recovery more than made up for the complaint).
        """
        e = self.episodes
        flags = [f"complaint_{c}" for c in CATEGORIES]
        after = e[(e["lapsed"] == 1) & (e[flags].sum(axis=1) > 0)]
        b = self.fitter.params_
        cols = [*flags, "recovered", "log10_response_hours"]
        net = 1 - 1 / np.exp(after[cols].to_numpy() @ b[cols].to_numpy())
        rows = []
        for cat in CATEGORIES:
            mask = after[f"complaint_{cat}"].to_numpy() == 1
            rows.append({"category": cat, "lapses_after_complaint": int(mask.sum()),
                         "from_category": float(mask.sum() * (1 - np.exp(-b[f"complaint_{cat}"]))),
                         "net": float(net[mask].sum())})
        return pd.DataFrame(rows).sort_values("from_category", ascending=False,
                                              ignore_index=True)


def fit_complaint_model(members: pd.DataFrame, complaints: pd.DataFrame,
                        as_of: str | pd.Timestamp, covariates: pd.DataFrame | None = None,
                        penalizer: float = 0.0) -> ComplaintModel:
    """Time-varying Cox model of lapse: rejection factor of the first complaint, whether it
    was resolved (service recovery) and how fast it was answered (log10 hours), adjusted for
    member-level ``covariates`` (e.g. satisfaction, indexed by member id).

    Members missing a covariate are excluded and counted.
    """
    ep = complaint_episodes(members, complaints, as_of, covariates)
    extra = list(covariates.columns) if covariates is not None else []
    keep = ep[extra].notna().all(axis=1) if extra else pd.Series(True, index=ep.index)
    excluded = ep.loc[~keep, "member_id"].nunique()
    ep = ep[keep]
    cols = ["complaint_value", "complaint_systems", "complaint_people", "recovered",
            "log10_response_hours", *extra]
    for c in extra:
        ep[c] = _validate.numeric(ep, c, purpose="a complaint model")
        if ep[c].nunique() < 2:
            raise ValueError(f"covariate {c!r} is constant; drop it")
    fitter = CoxTimeVaryingFitter(penalizer=penalizer).fit(
        ep[["member_id", "start", "stop", "lapsed", *cols]], id_col="member_id",
        event_col="lapsed", start_col="start", stop_col="stop")
    return ComplaintModel(fitter=fitter, episodes=ep, n_excluded=int(excluded))


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by the Mann-Whitney rank formula."""
    ranks = stats.rankdata(score)
    n1 = y.sum()
    n0 = len(y) - n1
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def journey_vs_touchpoints(data: pd.DataFrame, journey: str, touchpoints: Sequence[str],
                           duration: str | None = None, event: str | None = None,
                           outcome: str | None = None, n_splits: int = 5, repeats: int = 4,
                           seed: int = 0) -> pd.DataFrame:
    """Does the rating of the whole journey predict better than the touchpoint ratings?

    Out-of-sample comparison by repeated k-fold cross-validation of three models: journey
    only, touchpoints only, both. For lapse (``duration`` and ``event``) the score is the
    concordance of a Cox model; for a binary ``outcome`` (e.g. promoter yes/no) the AUC of a
    logistic regression.

    Returns
    -------
    DataFrame
        One row per model: mean out-of-fold score, its SD over folds, and the paired
        difference from the touchpoints-only model with a 95% interval from the fold-to-fold
        variation (corrected for the overlap of training sets, Nadeau & Bengio 2003).
    """
    import statsmodels.api as sm

    touchpoints = list(touchpoints)
    if (duration is None) == (outcome is None):
        raise ValueError("give either duration= and event= (lapse) or outcome= (binary)")
    cols = [journey, *touchpoints] + ([duration, event] if duration else [outcome])
    _validate.frame(data)
    _validate.columns(data, cols, "journey vs touchpoints")
    df = pd.DataFrame({c: _validate.numeric(data, c, purpose="journey vs touchpoints")
                       for c in cols}).dropna()
    if outcome is not None and not set(df[outcome].unique()) <= {0.0, 1.0}:
        raise ValueError(f"column {outcome!r} must be 0/1 (e.g. promoter yes/no)")
    models = {"journey": [journey], "touchpoints": touchpoints,
              "journey + touchpoints": [journey, *touchpoints]}
    rng = np.random.default_rng(seed)
    scores = {k: [] for k in models}
    n = len(df)
    for _ in range(repeats):
        fold = rng.permutation(np.arange(n) % n_splits)
        for k in range(n_splits):
            train, test = df[fold != k], df[fold == k]
            for name, xs in models.items():
                if duration:
                    cph = CoxPHFitter().fit(train[[*xs, duration, event]], duration, event)
                    scores[name].append(cph.score(test[[*xs, duration, event]],
                                                  scoring_method="concordance_index"))
                else:
                    res = sm.Logit(train[outcome], sm.add_constant(train[xs])).fit(disp=0)
                    p = res.predict(sm.add_constant(test[xs], has_constant="add"))
                    scores[name].append(_auc(test[outcome].to_numpy(), p.to_numpy()))
    base = np.array(scores["touchpoints"])
    n_test = n / n_splits
    corr = 1 / (n_splits * repeats) + n_test / (n - n_test)
    rows = []
    for name, s in scores.items():
        s = np.array(s)
        d = s - base
        se = np.sqrt(corr * d.var(ddof=1)) if name != "touchpoints" else np.nan
        t = stats.t.ppf(0.975, len(d) - 1)
        rows.append({"model": name, "metric": "concordance" if duration else "auc",
                     "score": s.mean(), "sd": s.std(ddof=1),
                     "diff_vs_touchpoints": d.mean() if name != "touchpoints" else 0.0,
                     "diff_ci_low": d.mean() - t * se, "diff_ci_high": d.mean() + t * se})
    out = pd.DataFrame(rows)
    out.attrs["report"] = {"n_used": n, "n_excluded": len(data) - n, "folds": n_splits,
                           "repeats": repeats}
    return out


def delay_and_satisfaction(complaints: pd.DataFrame, survey: pd.DataFrame, score: pd.Series,
                           member: str = "member_id", ci: float = 0.95) -> pd.DataFrame:
    """Does a slow answer lower later satisfaction? For each survey response that follows a
    complaint, the satisfaction ``score`` is regressed on the log10 response time and the
    resolution of the member's most recent earlier complaint (OLS with HC3 intervals).

    Parameters
    ----------
    score : Series
        One satisfaction score per survey row (e.g. ``scales.score(survey, ...)``), aligned
        with ``survey``.

    Returns
    -------
    DataFrame
        One row per term (``log10_response_hours``, ``resolved``): coefficient on the score's
        scale with its interval and p-value. ``.attrs["report"]``: responses used, responses
        without an earlier complaint, responses without a score.
    """
    import statsmodels.api as sm

    _validate.frame(complaints, "complaints")
    _validate.frame(survey, "survey")
    _validate.columns(complaints, [member, "date", "response_hours", "resolved"],
                      "delay and satisfaction", "complaints")
    _validate.columns(survey, [member, "date"], "delay and satisfaction", "survey")
    hours = _validate.numeric(complaints, "response_hours", lo=0, allow_missing=False,
                              purpose="delay and satisfaction")
    c = pd.DataFrame({member: complaints[member].to_numpy(),
                      "c_date": _validate.dates(complaints, "date").to_numpy(),
                      "log10_response_hours": np.log10(hours.clip(lower=0.01)).to_numpy(),
                      "resolved": complaints["resolved"].astype(float).to_numpy()})
    s = pd.DataFrame({member: survey[member].to_numpy(),
                      "s_date": _validate.dates(survey, "date").to_numpy(),
                      "score": np.asarray(score, dtype=float), "row": np.arange(len(survey))})
    merged = pd.merge_asof(s.sort_values("s_date"), c.sort_values("c_date"),
                           left_on="s_date", right_on="c_date", by=member,
                           allow_exact_matches=False)
    has = merged["c_date"].notna()
    ok = has & merged["score"].notna()
    d = merged[ok]
    if len(d) < 10:
        raise ValueError(f"only {len(d)} survey responses follow a complaint; too few to "
                         f"estimate the effect of response delay")
    x = sm.add_constant(d[["log10_response_hours", "resolved"]])
    res = sm.OLS(d["score"], x).fit(cov_type="HC3")
    conf = res.conf_int(alpha=1 - ci)
    terms = ["log10_response_hours", "resolved"]
    out = pd.DataFrame({"term": terms, "coef": res.params[terms].to_numpy(),
                        "ci_low": conf.loc[terms, 0].to_numpy(),
                        "ci_high": conf.loc[terms, 1].to_numpy(),
                        "p_value": res.pvalues[terms].to_numpy()})
    out.attrs["report"] = {"n_used": int(ok.sum()), "n_without_earlier_complaint":
                           int((~has).sum()), "n_without_score": int((has & ~ok).sum())}
    out.attrs["results"] = res
    return out


def recovery_curves(members: pd.DataFrame, complaints: pd.DataFrame, as_of: str | pd.Timestamp,
                    landmark: float = 1.0, horizons: Sequence[float] = (1, 2)):
    """Retention curves of members who complained and were recovered, complained and were not,
    and never complained, by landmark analysis.

    Members still present ``landmark`` years after joining are grouped by their complaint
    history up to that point (first complaint resolved / not resolved / none) and followed from
    the landmark on, so no group is credited with time it had to survive to be classified
    (no immortal-time bias). Unadjusted: use :func:`fit_complaint_model` for adjusted
    hazard ratios.

    Returns
    -------
    RetentionCurves
        Time is years since the landmark; ``.compare()`` gives the log-rank tests.
    """
    from loyaltylab.lapse import retention_curves, tenure_table

    c = check_complaints(complaints, members, as_of)
    t = tenure_table(members, as_of).set_index("member_id")
    at_risk = t[t["tenure"] > landmark].copy()
    if at_risk.empty:
        raise ValueError(f"no member is still present {landmark} years after joining; use a "
                         f"smaller landmark")
    c = c[c["member_id"].isin(at_risk.index)]
    years_in = (c["date"] - at_risk.loc[c["member_id"], "joined"].to_numpy()).dt.days
    first = c[years_in.to_numpy() / DAYS_PER_YEAR <= landmark].sort_values("date")
    first = first.drop_duplicates("member_id").set_index("member_id")
    group = pd.Series("never complained", index=at_risk.index)
    if len(first):
        res = first["resolved"].astype(bool) if "resolved" in first else pd.Series(
            False, index=first.index)
        group.loc[first.index] = np.where(res, "complained, resolved",
                                          "complained, not resolved")
    at_risk["group"] = pd.Categorical(group, categories=[
        "never complained", "complained, resolved", "complained, not resolved"])
    at_risk["years_after_landmark"] = at_risk["tenure"] - landmark
    return retention_curves(at_risk.reset_index(), "years_after_landmark", "lapsed",
                            by="group", horizons=horizons)

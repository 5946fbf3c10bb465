"""Whole journeys vs single touchpoints: does the rating of the whole journey predict lapse
(or recommendation) better than the ratings of the touchpoints it is made of?

Judged out of sample by repeated k-fold cross-validation, so a model with more ratings is
not favoured just for having more parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.lapse import fit_lapse_model

__all__ = ["JourneyComparison", "journey_vs_touchpoints"]


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by the Mann-Whitney rank formula."""
    ranks = stats.rankdata(score)
    n1 = y.sum()
    n0 = len(y) - n1
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _logit(sm, y: pd.Series, x: pd.DataFrame):
    """A logistic regression that refuses separation on a scale-free criterion.

    statsmodels warns of perfect separation only when every fitted probability is exactly
    0 or 1, which depends on the last bits of the fit; here a coefficient worth more than 15
    on the log-odds scale per standard deviation of its rating (an odds ratio above three
    million), or a fit that did not converge, is refused with the rating named.
    """
    import warnings

    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, PerfectSeparationWarning,
                                         RuntimeWarning))
        res = sm.Logit(y, sm.add_constant(x)).fit(disp=0, maxiter=100)
    per_sd = (res.params.drop("const") * x.std(ddof=0)).abs()
    if not res.mle_retvals.get("converged", False) or (per_sd > 15).any():
        worst = per_sd.idxmax()
        raise ValueError(
            f"the logistic model of {y.name!r} cannot be estimated in a cross-validation "
            f"fold: the rating {worst!r} separates the outcome (log-odds {per_sd[worst]:.3g} "
            f"per SD) or the fit did not converge; merge rating levels, drop {worst!r}, or "
            f"compare on lapse (duration= and event=) instead")
    return res


@dataclass(frozen=True, repr=False)
class JourneyComparison(Result):
    """Cross-validated comparison of journey-only, touchpoints-only and combined models.

    Attributes
    ----------
    table : DataFrame
        One row per model: ``model``, ``metric``, ``score`` (mean out-of-fold), ``sd``,
        ``diff_vs_touchpoints`` with ``diff_ci_low`` / ``diff_ci_high``.
    metric : str
        "concordance" (lapse) or "auc" (binary outcome).
    n_used, n_excluded : int
        Rows used, and rows left out for a missing rating or outcome.
    n_splits, repeats : int
        Folds and repetitions.
    ci : float
        Confidence level of the difference intervals.
    """

    table: pd.DataFrame
    metric: str
    n_used: int
    n_excluded: int
    n_splits: int
    repeats: int
    ci: float

    def __repr__(self) -> str:
        s = self.table.set_index("model")["score"]
        parts = ", ".join(f"{k}: {v:.3f}" for k, v in s.items())
        return (f"JourneyComparison({self.metric}, {self.n_splits}-fold x {self.repeats}: "
                f"{parts}; n={self.n_used}, excluded={self.n_excluded})")

    def to_frame(self) -> pd.DataFrame:
        """The per-model table."""
        return self.table


def journey_vs_touchpoints(
    data: pd.DataFrame,
    journey: str,
    touchpoints: Sequence[str],
    duration: str | None = None,
    event: str | None = None,
    outcome: str | None = None,
    *,
    n_splits: int = 5,
    repeats: int = 4,
    seed: int = 0,
    ci: float = 0.95,
) -> JourneyComparison:
    """Does the rating of the whole journey predict better than the touchpoint ratings?

    Out-of-sample comparison by repeated k-fold cross-validation of three models: journey
    only, touchpoints only, both. For lapse (``duration`` and ``event``) the score is the
    concordance of a Cox lapse model (:func:`loyaltylab.lapse.fit_lapse_model`); for a binary
    ``outcome`` (e.g. promoter yes/no) the AUC of a logistic regression (statsmodels).

    Parameters
    ----------
    data : DataFrame
        One row per member.
    journey : str
        Rating of the whole journey.
    touchpoints : sequence of str
        Ratings of the single touchpoints.
    duration, event : str, optional
        Tenure and lapse indicator (for lapse).
    outcome : str, optional
        A 0/1 outcome (instead of lapse).
    n_splits, repeats : int
        Folds per repetition and repetitions.
    seed : int
        Seed of the fold assignment.
    ci : float
        Confidence level of the difference intervals.

    Returns
    -------
    JourneyComparison
        The paired difference from the touchpoints-only model has an interval from the
        fold-to-fold variation, corrected for the overlap of training sets (Nadeau & Bengio
        2003). Rows with a missing value are left out and counted.

    References
    ----------
    Nadeau, C. & Bengio, Y. (2003). Inference for the generalization error. *Machine
    Learning* 52, 239-281.
    """
    import statsmodels.api as sm

    ci = _validate.probability(ci, "ci")
    touchpoints = _validate.names(touchpoints, "touchpoints")
    if (duration is None) == (outcome is None):
        raise ValueError("give either duration= and event= (lapse) or outcome= (binary)")
    cols = [journey, *touchpoints] + ([duration, event] if duration else [outcome])
    data = _validate.frame(data)
    _validate.columns(data, cols, "journey vs touchpoints")
    df = pd.DataFrame({c: _validate.numeric(data, c, purpose="journey vs touchpoints")
                       for c in cols}).dropna()
    if outcome is not None and not set(df[outcome].unique()) <= {0.0, 1.0}:
        raise ValueError(f"column {outcome!r} must be 0/1 (e.g. promoter yes/no)")
    n_splits = _validate.positive_int(n_splits, "n_splits", minimum=2)
    fewest = (df[outcome].value_counts().reindex([0.0, 1.0], fill_value=0).min()
              if outcome is not None else len(df))
    if fewest < n_splits:
        # every test fold must hold both outcomes (an AUC needs them) and some rows at all
        raise ValueError(
            f"only {len(df)} of {len(data)} rows have every column ({len(data) - len(df)} "
            f"have a missing value), and {fewest} of them "
            f"{'hold the rarer value of ' + repr(outcome) if outcome else 'are left'}; "
            f"{n_splits}-fold cross-validation needs at least {n_splits}: give more complete "
            f"rows or fewer n_splits")
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
                    model = fit_lapse_model(train, duration, event, xs)
                    scores[name].append(model.score(test))
                else:
                    res = _logit(sm, train[outcome], train[xs])
                    # ranks need only the linear predictor; equal ratings must tie exactly
                    lp = _stats.linear_predictor(
                        sm.add_constant(test[xs], has_constant="add").to_numpy(float),
                        res.params.to_numpy())
                    scores[name].append(_auc(test[outcome].to_numpy(), lp))
    base = np.array(scores["touchpoints"])
    n_test = n / n_splits
    corr = 1 / (n_splits * repeats) + n_test / (n - n_test)
    rows = []
    for name, s in scores.items():
        s = np.array(s)
        d = s - base
        se = np.sqrt(corr * d.var(ddof=1)) if name != "touchpoints" else np.nan
        t = _stats.t_value(ci, len(d) - 1)
        rows.append({"model": name, "metric": "concordance" if duration else "auc",
                     "score": s.mean(), "sd": s.std(ddof=1),
                     "diff_vs_touchpoints": d.mean() if name != "touchpoints" else 0.0,
                     "diff_ci_low": d.mean() - t * se, "diff_ci_high": d.mean() + t * se})
    return JourneyComparison(table=pd.DataFrame(rows),
                             metric="concordance" if duration else "auc", n_used=n,
                             n_excluded=len(data) - n, n_splits=n_splits, repeats=repeats,
                             ci=ci)

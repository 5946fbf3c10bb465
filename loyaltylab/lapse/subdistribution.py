"""Effects on the share who leave for a reason: Fine & Gray's proportional subdistribution
hazards model.

A cause-specific hazard ratio (``fit_lapse_model(..., cause=k)``) says how fast members
leave for reason k *among those still there*. Whether a covariate raises the *share* who end
up leaving for reason k also depends on the other reasons; the subdistribution hazard ratio
answers that directly (its sign is the sign of the effect on the cumulative incidence).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.lapse._finegray import FineGrayFit, fit_fine_gray
from loyaltylab.lapse.models import (
    _check_fit,
    _design,
    _profile_design,
    _scale_frame,
    _solver_errors,
)

__all__ = ["SubdistributionModel", "fit_subdistribution_model"]


@dataclass(frozen=True, repr=False)
class SubdistributionModel(Result):
    """A fitted Fine-Gray model (see :func:`fit_subdistribution_model`).

    Attributes
    ----------
    params : Series
        Log subdistribution hazard ratios, by design column.
    variance : DataFrame
        Fine & Gray's sandwich variance of ``params`` (R cmprsk's ``crr(...)$var``).
    fit : FineGrayFit
        The solver's result: information matrix, log partial likelihoods, iterations,
        lapse times and the cumulative baseline subdistribution hazard.
    cause : object
        The lapse reason modelled.
    scales : DataFrame
        What one unit of each covariate is (``kind``, ``scale``, ``sd``, ``mean``).
    n, n_lapsed, n_other_reasons, n_censored, n_excluded : int
        Members used; of them, lapsed for the reason, for another reason, still members;
        rows left out (``excluded`` says why).
    excluded : dict
        Rows left out, by reason.
    """

    params: pd.Series
    variance: pd.DataFrame
    fit: FineGrayFit
    cause: object
    scales: pd.DataFrame
    n: int
    n_lapsed: int
    n_other_reasons: int
    n_censored: int
    n_excluded: int
    excluded: dict

    def __repr__(self) -> str:
        hr = ", ".join(f"{k}: {np.exp(v):.3g}" for k, v in self.params.items())
        return (f"SubdistributionModel(reason {self.cause!r}; n={self.n}, "
                f"{self.n_lapsed} lapsed for it, {self.n_other_reasons} for other reasons; "
                f"subdistribution hazard ratios {hr})")

    @property
    def se(self) -> pd.Series:
        """Standard errors (Fine & Gray's sandwich)."""
        return pd.Series(np.sqrt(np.diag(self.variance)), index=self.params.index,
                         name="se")

    def effects(self, *, ci: float = 0.95) -> pd.DataFrame:
        """Subdistribution hazard ratios with Wald intervals and the scale of each effect.

        A ratio above 1 means the covariate raises the share who leave for this reason.

        Parameters
        ----------
        ci : float
            Confidence level (recorded in the ``ci`` column).

        Returns
        -------
        DataFrame
            ``covariate``, ``coef``, ``se``, ``subdistribution_hazard_ratio``, ``ci_low``,
            ``ci_high``, ``p_value``, ``kind``, ``scale``, ``sd``, ``mean``, ``ci``.
        """
        ci = _validate.probability(ci, "ci")
        out = _stats.ratio_table(self.params, self.se, ci, "subdistribution_hazard_ratio")
        out = out.merge(self.scales, left_on="covariate", right_index=True, how="left")
        return out.assign(ci=ci)

    def to_frame(self) -> pd.DataFrame:
        """The effects table at 95%."""
        return self.effects()

    def summary(self) -> pd.DataFrame:
        """Compact effects table: ratio, 95% interval, p-value and scale."""
        return self.effects()[["covariate", "subdistribution_hazard_ratio", "ci_low",
                               "ci_high", "p_value", "scale"]]

    def predict_incidence(self, profiles: pd.DataFrame, times: Sequence[float]
                          ) -> pd.DataFrame:
        """Predicted cumulative incidence of the reason for member profiles,
        ``1 - exp(-exp(x'b) * Lambda0(t))`` (as R's ``predict.crr``).

        Parameters
        ----------
        profiles : DataFrame
            One row per profile with every covariate on its original scale.
        times : sequence of float
            Times at which to predict.

        Returns
        -------
        DataFrame
            Index ``time``, one column per profile.
        """
        x = _profile_design(self.scales, profiles).to_numpy(float)
        times = np.asarray(_validate.times(times), dtype=float)
        i = np.searchsorted(self.fit.times, times, side="right") - 1
        base = np.where(i >= 0, self.fit.baseline[np.maximum(i, 0)], 0.0)
        risk = np.exp(x @ self.params.to_numpy())
        out = 1 - np.exp(-np.outer(base, risk))
        return pd.DataFrame(out, index=pd.Index(times, name="time"), columns=profiles.index)


def fit_subdistribution_model(
    data: pd.DataFrame,
    duration: str,
    reason: str,
    covariates: Sequence[str],
    *,
    cause: object,
    censored: object = 0,
    standardize: bool = True,
) -> SubdistributionModel:
    """Fine & Gray's proportional subdistribution hazards model of one lapse reason.

    Parameters
    ----------
    data : DataFrame or TenureTable
        One row per member.
    duration : str
        Tenure column (non-negative).
    reason : str
        Why the member left: ``censored`` (default 0) while still a member, otherwise a
        reason code or label.
    covariates : sequence of str
        Numeric or categorical columns, coded as in
        :func:`~loyaltylab.lapse.fit_lapse_model` (continuous ones per SD unless
        ``standardize=False``).
    cause : scalar
        The reason modelled; members who left for other reasons stay in its risk sets,
        weighted by the chance that they would still have been observed.
    censored : scalar or None
        The value of ``reason`` that means "still a member"; a column with no such row is
        refused (text labels would all count as lapses). None: every member lapsed.
    standardize : bool
        Divide continuous covariates by their SD (effects per SD).

    Returns
    -------
    SubdistributionModel
        ``.effects()``, ``.predict_incidence(profiles, times)``; rows with a missing
        covariate are left out and counted.

    Notes
    -----
    Fine, J. P. & Gray, R. J. (1999). A proportional hazards model for the subdistribution
    of a competing risk. J. Amer. Statist. Assoc. 94, 496-509. Estimates, sandwich variance
    and predictions equal R's ``cmprsk::crr`` (Breslow ties, one censoring distribution).
    Delayed entry is not supported (nor by ``crr``), and a tenure table made with
    ``observed_from=`` is refused: with records that begin at a migration, compare reasons
    with cause-specific models (``fit_lapse_model(..., cause=k, entry=...)``).

    Examples
    --------
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8, 2, 3, 4, 5, 6, 7, 8, 9],
    ...                   "why": [1, 2, 1, 0, 1, 2, 1, 0, 2, 1, 2, 0, 2, 1, 2, 0],
    ...                   "type": ["adult"] * 8 + ["student"] * 8})
    >>> m = fit_subdistribution_model(d, "t", "why", ["type"], cause=1)
    >>> m.effects()[["covariate", "subdistribution_hazard_ratio", "se"]].round(4)
           covariate  subdistribution_hazard_ratio      se
    0  type[student]                        0.3963  0.7969
    """
    start = getattr(data, "observed_from", None)
    if start is not None:
        raise ValueError(
            f"this tenure table observes members only from {start.date()} (delayed entry); "
            f"the Fine-Gray model here, as R's crr, has no delayed entry and would overstate "
            f"who stays: model the reason's cause-specific hazard with "
            f"fit_lapse_model(..., cause=..., entry='entry') instead")
    data = _validate.frame(data)
    covariates = _validate.names(covariates, "covariates")
    if not covariates:
        raise ValueError("covariates is empty; name at least one column")
    _validate.columns(data, [duration, reason, *covariates], "a subdistribution model")
    why = _validate.reasons(data, reason, censored)
    if cause == censored or cause not in set(why.unique()):
        raise ValueError(f"cause {cause!r} does not occur in column {reason!r} as a lapse "
                         f"reason (values: {sorted(map(str, why.unique()))[:10]})")
    used = data[[duration, reason, *covariates]]
    complete = used[covariates].notna().all(axis=1)
    excluded = {"missing covariate": int((~complete).sum())}
    used = used[complete]
    if used.empty:
        raise ValueError("no row has every covariate; check the columns for missing values")
    t = _validate.numeric(used, duration, lo=0, allow_missing=False,
                          purpose="a subdistribution model")
    code = np.where(used[reason] == censored, 0, np.where(used[reason] == cause, 1, 2))
    if not (code == 1).any():
        raise ValueError(f"no member among the {len(used)} rows used lapsed for {cause!r}")
    x, scales = _design(used, covariates, standardize)
    with _solver_errors("the subdistribution model", list(x.columns)):
        res = fit_fine_gray(x.to_numpy(float), t.to_numpy(float), code)
    _check_fit(res, "the subdistribution model", list(x.columns), penalized=False)
    names = pd.Index(x.columns, name="covariate")
    return SubdistributionModel(
        params=pd.Series(res.params, index=names, name="coef"),
        variance=pd.DataFrame(res.variance, index=names, columns=names), fit=res,
        cause=cause, scales=_scale_frame(used, scales), n=len(used),
        n_lapsed=int((code == 1).sum()), n_other_reasons=int((code == 2).sum()),
        n_censored=int((code == 0).sum()), n_excluded=int(sum(excluded.values())),
        excluded=excluded)

"""Lapse models: Cox proportional hazards and parametric AFT models, with hazard ratios (or
time ratios) per SD, proportional-hazards diagnostics, model comparison and predictions.

Both kinds are fitted by the package's own solvers (:mod:`loyaltylab.lapse._cox`,
:mod:`loyaltylab.lapse._aft`); lifelines, an optional companion, gives the ``fitter``
objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from loyaltylab import _stats, _validate
from loyaltylab._results import Result
from loyaltylab.lapse._aft import AFTFit
from loyaltylab.lapse._cox import CoxFit
from loyaltylab.lapse.curves import _durations, _entry
from loyaltylab.schema import EVENT

#: lifelines' fitter of each model (imported when used: lifelines is optional; it has no
#: exponential regression).
_MODELS = {"cox": "CoxPHFitter", "weibull": "WeibullAFTFitter",
           "loglogistic": "LogLogisticAFTFitter", "lognormal": "LogNormalAFTFitter",
           "exponential": None}

#: Name of the delayed-entry column in the design handed to lifelines.
_ENTRY = "_entry"
_CLUSTER = "_cluster"
_STRATA = "_strata"  # parametric models: each row's stratum, from the columns as given
_FRAILTY = "_frailty"
#: Most categories a categorical covariate may have (each becomes a coefficient).
_MAX_LEVELS = 50


def _design(data: pd.DataFrame, covariates: Sequence[str], standardize: bool):
    """Numeric design matrix: categories become indicators against their first level;
    continuous columns (more than two distinct values) are divided by their SD when
    ``standardize`` so that effects are per SD."""
    cols, scales = {}, {}
    for c in covariates:
        s = data[c]
        if _validate.is_text(s):
            nums = pd.to_numeric(s, errors="coerce")
            if nums.notna().sum() >= 0.8 * s.notna().sum():
                # mostly numbers with a few words: a numeric column with typos, not categories
                _validate.numeric(data, c, purpose="a lapse model")
        if isinstance(s.dtype, pd.CategoricalDtype) or _validate.is_text(s):
            cat = s.astype("category")
            n_levels = len(cat.cat.categories)
            if n_levels > _MAX_LEVELS:
                raise ValueError(
                    f"column {c!r} has {n_levels} distinct values ({len(s)} rows); a covariate "
                    f"with more than {_MAX_LEVELS} categories cannot be estimated: is it an id, "
                    f"or numbers stored as text? Convert it with pd.to_numeric or group levels")
            if cat.isna().any():
                raise ValueError(f"column {c!r} has {int(cat.isna().sum())} missing value(s); "
                                 f"drop or fill them before fitting")
            levels = list(cat.cat.categories)
            if len(levels) < 2:
                raise ValueError(f"column {c!r} is constant ({_validate.shown(levels[0])}); "
                                 f"drop it from the covariates")
            for lev in levels[1:]:
                name = f"{c}[{lev}]"
                cols[name] = (cat == lev).astype(float).to_numpy()
                scales[name] = ("indicator", f"vs {levels[0]}", 1.0)
            continue
        x = _validate.numeric(data, c, allow_missing=False, purpose="a lapse model")
        sd = float(x.std(ddof=1))
        if not np.isfinite(sd) or sd == 0:
            raise ValueError(f"column {c!r} is constant (every row "
                             f"{_validate.shown(x.iloc[0])}); a lapse "
                             f"model cannot estimate its effect: drop it from the covariates")
        lo, hi = x.min(), x.max()
        if ((x == lo) | (x == hi)).all():  # two values: an indicator (no hashing of 1M floats)
            cols[c] = x.to_numpy()
            scales[c] = ("indicator", "per unit", 1.0)
        elif standardize:
            cols[c] = ((x - x.mean()) / sd).to_numpy()
            scales[c] = ("continuous", f"per SD ({sd:.4g})", sd)
        else:
            cols[c] = x.to_numpy()
            scales[c] = ("continuous", "per unit", 1.0)
    return pd.DataFrame(cols, index=data.index), scales


@dataclass(frozen=True, repr=False)
class LapseModel(Result):
    """A fitted lapse model: Cox proportional hazards or a parametric AFT model.

    Cox models are fitted by the package's own Newton-Raphson solver
    (:mod:`loyaltylab.lapse._cox`: vectorised over sorted risk sets, many times faster than
    lifelines on large member tables, same coefficients and standard errors to 1e-8), with
    Efron's handling of tied lapse times (as R's ``coxph``) or Breslow's on request.
    Predicted retention uses the Breslow estimate of the baseline hazard, as lifelines does;
    R's ``survfit(coxph(...))`` uses an Efron-type baseline by default, so with many ties
    predictions differ in the third or fourth decimal (coefficients and tests do not).

    Parametric models are R ``survreg``'s (:mod:`loyaltylab.lapse._aft`): the same
    coefficients, ``Log(scale)``, log-likelihood and variance, plus delayed entry.

    Attributes
    ----------
    fitter : lifelines fitter
        lifelines' ``CoxPHFitter``, ``WeibullAFTFitter``, ``LogLogisticAFTFitter`` or
        ``LogNormalAFTFitter`` on the same rows, built on first use (a second fit, in
        lifelines' time; lifelines is an optional companion).
    cox : CoxFit or None
        The Cox solver's result (``params``, ``variance``, ``robust_variance``, ``loglik``,
        ``iterations``, ``converged``, ``ties``); None for AFT models.
    aft : AFTFit or None
        The AFT solver's result (``params``: intercept, coefficients, one ``log(sigma)`` per
        stratum; ``variance``, ``loglik``, ``iterations``, ``converged``); None for Cox.
    params : Series
        Coefficients by covariate: log hazard ratios for Cox, log time ratios for AFT models.
    model : str
    scales : DataFrame
        How each covariate entered: ``kind`` and ``scale`` (e.g. "per SD (1.23)").
    n, n_lapsed, n_excluded : int
        Rows used, lapses among them, and rows excluded (``excluded`` says why).
    excluded : dict
        Rows left out by reason: a missing duration or event, a missing covariate; for
        parametric models also zero durations (no time at risk, see
        :mod:`loyaltylab.schema`).
    """

    _fitter: object
    params: pd.Series
    model: str
    scales: pd.DataFrame
    n: int
    n_lapsed: int
    n_excluded: int
    excluded: dict
    _design: pd.DataFrame
    _duration: str
    _event: str
    cox: CoxFit | None = None
    _strata: tuple[str, ...] = ()
    _robust: bool = False
    _penalizer: float = 0.0
    aft: AFTFit | None = None

    @property
    def fitter(self):
        """lifelines' fitter of the same model on the same rows (fitted on first use, then
        kept)."""
        if self._fitter is None and self.aft is not None:
            object.__setattr__(self, "_fitter", self._lifelines_aft())
        if self._fitter is None:
            if _FRAILTY in self._design:
                raise ValueError("lifelines has no frailty model; the fit is in .cox "
                                 "(theta, frailties) and .frailty")
            kwargs: dict = {"robust": self._robust}
            if self._strata:
                kwargs["strata"] = list(self._strata)
            if _ENTRY in self._design:
                kwargs["entry_col"] = _ENTRY
            if _CLUSTER in self._design:
                kwargs["cluster_col"] = _CLUSTER
            # lifelines' default stopping rule leaves the coefficients about 1e-6 from the
            # optimum; a tight one makes its estimates those of ``params``
            ll = _stats.lifelines("LapseModel.fitter")
            f = ll.CoxPHFitter(penalizer=self._penalizer).fit(self._design, self._duration,
                                                              self._event,
                                     fit_options={"precision": 1e-12}, **kwargs)
            object.__setattr__(self, "_fitter", f)
        return self._fitter

    def _lifelines_aft(self):
        what = ("an exponential model" if self.model == "exponential"
                else "strata (one scale per stratum)" if self._strata
                else "a penalty on the coefficients alone (lifelines also shrinks the log "
                     "shape)" if self._penalizer
                else "clustered errors" if _CLUSTER in self._design else None)
        if what:
            raise ValueError(f"lifelines has no regression with {what}; the fit is in .aft")
        ll = _stats.lifelines("LapseModel.fitter")
        kwargs = {"entry_col": _ENTRY} if _ENTRY in self._design else {}
        names = list(self.params.index)
        cols = [*names, self._duration, self._event, *kwargs.values()]
        fitter = getattr(ll, _MODELS[self.model])()
        # (lifelines' stopping rule leaves it about 1e-6 from the optimum; a tighter one
        # fails on "precision loss")
        return fitter.fit(self._design[cols], self._duration, self._event,
                          robust=self._robust, **kwargs)

    def _aft_log_median(self, x: pd.DataFrame, strata: np.ndarray | None = None
                        ) -> np.ndarray:
        """log of each row's predicted median tenure: the linear predictor plus its
        stratum's sigma times the median of W (which orders members across strata)."""
        from loyaltylab.lapse._aft import log_median

        f = self.aft
        lp = self._aft_lp(x)
        return lp + self._aft_sigma(strata) * log_median(f.distribution)

    def _aft_lp(self, x: pd.DataFrame) -> np.ndarray:
        """Intercept plus x'b of each design row (log time scale)."""
        f = self.aft
        return f.coef[0] + _stats.linear_predictor(
            x[list(self.params.index)].to_numpy(float), f.coef[1:])

    def _aft_sigma(self, strata: np.ndarray | None) -> np.ndarray | float:
        f = self.aft
        sig = np.exp(f.log_scale)
        if not f.strata:
            return float(sig[0])
        pos = {lab: k for k, lab in enumerate(f.strata)}
        idx = np.array([pos.get(lab, -1) for lab in strata])
        if (idx < 0).any():
            bad = sorted({str(lab) for lab, k in zip(strata, idx, strict=True) if k < 0})
            raise ValueError(f"{len(bad)} strata of the profiles were not in the fitted data "
                             f"(e.g. {_validate.shown(bad[0])}); fitted strata: {list(f.strata)}")
        return sig[idx]

    def _strata_labels(self, data: pd.DataFrame) -> np.ndarray | None:
        if not self._strata:
            return None
        _validate.columns(data, list(self._strata), "predicting from a stratified model")
        return _strata_key(data, self._strata)

    def _lp(self) -> np.ndarray:
        names = list(self.params.index)
        return _stats.linear_predictor(self._design[names].to_numpy(float),
                                       self.params.to_numpy())

    def __repr__(self) -> str:
        frail = (f", frailty variance={self.cox.theta:.3f}" if _FRAILTY in self._design
                 else "")
        return (f"LapseModel({self.model}, n={self.n}, lapsed={self.n_lapsed}, "
                f"excluded={self.n_excluded}, concordance={self.concordance:.3f}, "
                f"AIC={self.aic:.1f}{frail})")

    @property
    def frailty(self) -> pd.Series:
        """The shared gamma frailty (``frailty=`` models): its variance ``theta``, the number
        of groups, the integrated log-likelihood with and without it, and the
        likelihood-ratio test of no frailty (boundary-corrected p-value)."""
        if _FRAILTY not in self._design:
            raise ValueError("this model has no frailty; fit with frailty=<group column>")
        stat, p = self.cox.lr_test
        return pd.Series({"theta": self.cox.theta, "groups": len(self.cox.group_labels),
                          "marginal_loglik": self.cox.marginal_loglik,
                          "marginal_loglik_no_frailty": self.cox.marginal_loglik_null,
                          "lr_statistic": stat, "p_value": p}, name="frailty")

    def _refuse_frailty(self, what: str) -> None:
        if _FRAILTY in self._design:
            raise ValueError(f"{what} is not available for a frailty model (its hazard "
                             "ratios are conditional on each group's frailty)")

    @property
    def concordance(self) -> float:
        """Harrell's C: the share of comparable pairs the model orders correctly."""
        d = self._design
        if self.aft is not None:  # ordered by predicted median tenure, as lifelines does
            score = self._aft_log_median(d, d[_STRATA].to_numpy() if self._strata else None)
        else:
            score = -self._lp()
        return _stats.concordance(d[self._duration].to_numpy(float), score,
                                  d[self._event].to_numpy().astype(bool))

    @property
    def aic(self) -> float:
        """AIC: partial-likelihood AIC for Cox (comparable only among Cox models on the same
        data), full-likelihood AIC for parametric models."""
        if _FRAILTY in self._design:  # the integrated likelihood, theta counted
            return float(-2 * self.cox.marginal_loglik + 2 * (len(self.params) + 1))
        if self.cox is not None:
            return float(-2 * self.cox.loglik + 2 * len(self.params))
        return float(-2 * self.aft.loglik + 2 * len(self.aft.params))

    def effects(self, *, ci: float = 0.95) -> pd.DataFrame:
        """Tidy effects table: hazard ratios (Cox) or time ratios (AFT) with intervals.

        A hazard ratio below 1 means the covariate protects against lapse; a time ratio
        above 1 means it lengthens tenure. The ``scale`` column says what one unit of each
        covariate is (e.g. "per SD (1.23)" for standardized covariates).

        Parameters
        ----------
        ci : float
            Confidence level of the intervals (recorded in the ``ci`` column).

        Returns
        -------
        DataFrame
            ``covariate``, ``coef``, ``se``, the ratio, ``ci_low``, ``ci_high``,
            ``p_value``, ``kind``, ``scale``, ``sd``, ``mean``, ``ci``.
        """
        ci = _validate.probability(ci, "ci")
        ratio = "hazard_ratio" if self.model == "cox" else "time_ratio"
        out = _stats.ratio_table(self.params, self._se(), ci, ratio)
        out = out.merge(self.scales, left_on="covariate", right_index=True, how="left")
        return out.assign(ci=ci)

    def combine(self, weights: dict[str, float], *, ci: float = 0.95) -> pd.Series:
        """The ratio for a combination of effects, with its interval: e.g. a member with one
        complaint, resolved, and a symbolic gesture against a member who never complained
        is ``{"prior": 1, "last_symbolic": 1}``.

        Parameters
        ----------
        weights : dict
            Covariate (as in ``params``) -> units of it; the others are 0.
        ci : float

        Returns
        -------
        Series
            ``coef`` (the sum of weighted log ratios), ``se`` (from the model's variance,
            robust when it was fitted so), ``ratio``, ``ci_low``, ``ci_high``, ``p_value``
            (test of ratio 1).
        """
        ci = _validate.probability(ci, "ci")
        if not isinstance(weights, Mapping) or not weights:
            raise TypeError(f"weights must be a dict of covariate -> weight (e.g. "
                            f"{{{self.params.index[0]!r}: 1.0}}), got {weights!r}")
        unknown = [k for k in weights if k not in self.params.index]
        if unknown:
            raise ValueError(f"{unknown} are not covariates of this model; its covariates: "
                             f"{list(self.params.index)}")
        w = np.array([float(weights.get(k, 0.0)) for k in self.params.index])
        if not np.isfinite(w).all():
            raise ValueError(f"weights must be finite numbers, got {dict(weights)}")
        if self.cox is not None:
            v = (self.cox.robust_variance if self.cox.robust_variance is not None
                 else self.cox.variance)
        else:  # the covariates' block (after the intercept)
            k = len(self.params)
            v = self.aft.variance[1:k + 1, 1:k + 1]
        coef = float(w @ self.params.to_numpy())
        se = float(np.sqrt(w @ v @ w))
        z = _stats.z_value(ci)
        from scipy import stats

        return pd.Series({"coef": coef, "se": se, "ratio": np.exp(coef),
                          "ci_low": np.exp(coef - z * se), "ci_high": np.exp(coef + z * se),
                          "p_value": float(2 * stats.norm.sf(abs(coef) / se))},
                         name="combined")

    def to_frame(self) -> pd.DataFrame:
        """The effects table at 95%."""
        return self.effects()

    def summary(self) -> pd.DataFrame:
        """Compact effects table: ratio, 95% interval, p-value and the scale of each effect."""
        ratio = "hazard_ratio" if self.model == "cox" else "time_ratio"
        return self.effects()[["covariate", ratio, "ci_low", "ci_high", "p_value", "scale"]]

    def score(self, data: pd.DataFrame) -> float:
        """Harrell's concordance of the model's predictions on (new) data.

        Parameters
        ----------
        data : DataFrame
            Rows with the covariates (original scale), the duration and the event columns.

        Returns
        -------
        float
            Share of comparable pairs ordered correctly (0.5 = chance).
        """
        data = _validate.frame(data)
        cols = [*self._covariates, self._duration, self._event]
        _validate.columns(data, cols, "scoring a lapse model")
        x = self._profile_design(data)
        if self.aft is not None:  # AFT coefficients lengthen tenure
            pred = self._aft_log_median(x, self._strata_labels(data))
        else:  # higher risk, shorter tenure
            pred = -_stats.linear_predictor(x.to_numpy(float),
                                            self.params.loc[x.columns].to_numpy())
        return _stats.concordance(data[self._duration].to_numpy(float), np.asarray(pred, float),
                                  data[self._event].to_numpy().astype(bool))

    @property
    def _covariates(self) -> list[str]:
        return list(dict.fromkeys(n.split("[", 1)[0] for n in self.scales.index))

    def _se(self) -> pd.Series:
        if self.cox is not None:
            return pd.Series(self.cox.se, index=self.params.index, name="se")
        return pd.Series(self.aft.se[1:len(self.params) + 1], index=self.params.index,
                         name="se")

    def check_assumptions(self, *, transform: str = "km", alpha: float = 0.05
                          ) -> pd.DataFrame:
        """Proportional-hazards test per covariate and globally, with a verdict and advice.
        Cox models only.

        The score test of R survival >= 3.0 (``cox.zph(fit, transform, terms = FALSE)``):
        each covariate's effect is allowed to change with g(tenure) and the change is tested
        with the full information matrix (Efron ties, strata and delayed entry as fitted).
        It replaces the approximate test of survival 2.x that lifelines implements.

        Parameters
        ----------
        transform : {"km", "rank", "identity", "log"}
            g(t): one minus the left-continuous Kaplan-Meier curve (R's default), the rank of
            the exit times, tenure itself, or its log.
        alpha : float
            Significance level of the verdict.

        Returns
        -------
        DataFrame
            One row per covariate and a ``GLOBAL`` row: ``covariate``, ``statistic``
            (chi-square), ``df``, ``p_value``, ``verdict``, ``advice``.

        References
        ----------
        Grambsch, P. M. & Therneau, T. M. (1994). Proportional hazards tests and diagnostics
        based on weighted residuals. Biometrika 81, 515-526; Therneau, T. M., survival
        package 3.0 (2019), ``cox.zph``.
        """
        from loyaltylab.lapse._zph import TRANSFORMS, zph_test

        if self.model != "cox":
            raise ValueError("check_assumptions tests proportional hazards: fit model='cox'")
        self._refuse_frailty("check_assumptions")
        _validate.one_of(transform, "transform", list(TRANSFORMS))
        df = self._design
        names = list(self.params.index)
        strata = list(self._strata)
        out = zph_test(df[self._duration].to_numpy(float), df[self._event].to_numpy(float),
                       df[names].to_numpy(float), self.params.loc[names].to_numpy(),
                       names,
                       strata=(df[list(strata)].astype(str).agg("|".join, axis=1).to_numpy()
                               if strata else None),
                       entry=df[_ENTRY].to_numpy(float) if _ENTRY in df else None,
                       transform=transform)
        bad = out["p_value"] < alpha
        out["verdict"] = np.where(bad, "violated", "holds")
        out["advice"] = np.where(
            bad, "effect changes with tenure: stratify on it (strata=) or add an interaction "
                 "with time; hazard ratio is an average over tenure", "")
        return out

    def predict_retention(self, profiles: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
        """Predicted retention S(t) for member profiles (covariates on their original scale).

        Cox predictions use the Breslow baseline hazard (as lifelines'); parametric ones
        are the model's S(t | x), at any time.

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
        self._refuse_frailty("predict_retention")
        x = self._profile_design(profiles)
        times = np.asarray(_validate.times(times), dtype=float)
        if self.aft is not None:
            return self._aft_retention(x, times, profiles)
        return self._cox_retention(x, times, profiles)

    def _aft_retention(self, x: pd.DataFrame, times: np.ndarray, profiles: pd.DataFrame
                       ) -> pd.DataFrame:
        from loyaltylab.lapse._aft import survival

        f = self.aft
        lp = self._aft_lp(x)
        sig = self._aft_sigma(self._strata_labels(profiles))
        with np.errstate(divide="ignore"):
            z = (np.log(times)[:, None] - lp[None, :]) / sig
        return pd.DataFrame(survival(f.distribution, z), index=pd.Index(times, name="time"),
                            columns=profiles.index)

    def _cox_retention(self, x: pd.DataFrame, times: np.ndarray, profiles: pd.DataFrame
                       ) -> pd.DataFrame:
        # the Breslow baseline at every distinct tenure (of each stratum), linearly
        # interpolated between them and 1 before the first lapse: the numbers lifelines'
        # predictions give
        from loyaltylab.lapse._cox import breslow_baseline

        d = self._design
        names = list(self.params.index)
        mean = d[names].mean().to_numpy()
        beta = self.params.to_numpy()
        fitted = (_strata_key(d, self._strata) if self._strata
                  else np.zeros(len(d), dtype=object))
        wanted = (self._strata_labels(profiles) if self._strata
                  else np.zeros(len(profiles), dtype=object))
        unknown = sorted({str(k) for k in set(wanted) - set(fitted)})
        if unknown:
            raise ValueError(f"{len(unknown)} strata of the profiles were not in the fitted "
                             f"data (e.g. {_validate.shown(unknown[0])}); fitted strata: "
                             f"{sorted(set(map(str, fitted)))}")
        risk = np.exp((x[names].to_numpy(float) - mean) @ beta)
        out = np.ones((len(times), len(profiles)))
        for label in set(wanted):
            rows = fitted == label
            grid, cumhaz = breslow_baseline(
                d[names].to_numpy(float)[rows] - mean, d[self._duration].to_numpy(float)[rows],
                d[self._event].to_numpy(bool)[rows], beta,
                entry=d[_ENTRY].to_numpy(float)[rows] if _ENTRY in d else None)
            cols = wanted == label
            sf = np.exp(-np.outer(np.interp(times, grid, cumhaz), risk[cols]))
            if (cumhaz > 0).any():
                sf[times < grid[cumhaz > 0].min(), :] = 1.0
            out[:, cols] = sf
        return pd.DataFrame(out, index=pd.Index(times, name="time"), columns=profiles.index)

    def expected_remaining_tenure(self, profiles: pd.DataFrame, *, tenure_now: float = 0.0,
                                  horizon: float | None = None, steps: int = 2000) -> pd.Series:
        """Expected remaining tenure, restricted to ``horizon``, for members who have stayed
        ``tenure_now``: the integral of S(t) / S(tenure_now) from ``tenure_now`` to
        ``horizon``.

        The Cox baseline ends at the last observed time, so the default horizon is the longest
        observed tenure (a restricted mean); parametric models allow longer horizons.

        Parameters
        ----------
        profiles : DataFrame
            One row per profile with every covariate on its original scale.
        tenure_now : float
            Tenure already reached.
        horizon : float, optional
            End of the integral.
        steps : int
            Grid points of the trapezoid rule.

        Returns
        -------
        Series
            One value per profile.
        """
        tmax = float(self._design[self._duration].max())
        horizon = tmax if horizon is None else float(horizon)
        if self.model == "cox" and horizon > tmax:
            raise ValueError(f"a Cox model cannot predict beyond the longest observed tenure "
                             f"({tmax:.3g}); use a smaller horizon or a parametric model")
        if not 0 <= tenure_now < horizon:
            raise ValueError(f"tenure_now must be in [0, horizon={horizon:.3g})")
        grid = np.linspace(tenure_now, horizon, steps)
        sf = self.predict_retention(profiles, grid).to_numpy()
        cond = sf / np.where(sf[0] > 0, sf[0], np.nan)
        return pd.Series(np.trapezoid(cond, grid, axis=0), index=profiles.index,
                         name=f"remaining_tenure_to_{horizon:g}")

    def _profile_design(self, profiles: pd.DataFrame) -> pd.DataFrame:
        return _profile_design(self.scales, profiles)


def _profile_design(scales: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """The design row of each member profile (covariates on their original scale), coded as
    the model's design was. A category the model never saw is refused: coded as zeros it
    would be predicted silently as the reference level."""
    profiles = _validate.frame(profiles, "profiles")
    levels: dict[str, list[str]] = {}
    for name, row in scales.iterrows():
        if row["kind"] == "indicator" and row["scale"].startswith("vs "):
            col, lev = name[:-1].split("[", 1)
            levels.setdefault(col, [row["scale"][3:]]).append(lev)
    needed = list(dict.fromkeys(
        name.split("[", 1)[0] if name.split("[", 1)[0] in levels else name
        for name in scales.index))
    _validate.columns(profiles, needed, "a prediction", name="profiles")
    x = pd.DataFrame(index=profiles.index)
    for col, known in levels.items():
        v = profiles[col]
        if v.isna().any():
            raise ValueError(f"column {col!r} of the profiles has {int(v.isna().sum())} "
                             f"missing value(s); give each profile a level ({', '.join(known)})")
        text = v.astype(str)
        new = v[~text.isin(known)]
        if len(new):
            raise ValueError(
                f"column {col!r} of the profiles has {len(new)} row(s) with a level the model "
                f"was not fitted on (e.g. {_validate.shown(new.iloc[0])}); it knows "
                f"{', '.join(map(repr, known))} ({known[0]!r} the reference): a new level has "
                f"no estimated effect, so predict with one of those")
        for lev in known[1:]:
            x[f"{col}[{lev}]"] = (text == lev).astype(float)
    for name, row in scales.iterrows():
        if name in x.columns:
            continue
        v = _validate.numeric(profiles, name, allow_missing=False, purpose="a prediction")
        if row["kind"] == "continuous" and row["scale"].startswith("per SD"):
            x[name] = (v - row["mean"]) / row["sd"]
        else:
            x[name] = v
    return x[list(scales.index)]


def _scale_frame(used: pd.DataFrame, scales: dict) -> pd.DataFrame:
    """What one unit of each design column is: kind, scale, SD and mean."""
    out = pd.DataFrame(scales, index=["kind", "scale", "sd"]).T
    out["sd"] = out["sd"].astype(float)
    out["mean"] = [float(used[c].mean()) if scales[c][0] == "continuous" else 0.0
                   for c in out.index]
    return out


def fit_lapse_model(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    *,
    model: str = "cox",
    standardize: bool = True,
    strata: Sequence[str] | None = None,
    penalizer: float = 0.0,
    entry: str | None = None,
    cause: object | None = None,
    ties: str = "efron",
    robust: bool = False,
    cluster: str | None = None,
    frailty: str | None = None,
) -> LapseModel:
    """Fit a lapse model: Cox proportional hazards or a parametric AFT model.

    Parameters
    ----------
    data : DataFrame
        One row per member, e.g. a tenure table joined with loyalty-factor scores.
    duration, event : str
        Tenure and lapse indicator (1 = lapsed, 0 = censored). Zero tenures are kept by Cox
        models (they contribute nothing) and left out of parametric ones (counted).
    covariates : sequence of str
        Numeric or categorical columns. Categories enter as indicators against their first
        level; numeric columns with more than two values are standardized (effects per SD,
        the SD is reported in ``scales``) unless ``standardize=False``.
    model : {"cox", "weibull", "exponential", "loglogistic", "lognormal"}
        Cox proportional hazards or a parametric accelerated-failure-time model, ``log T =
        x'b + sigma W`` (R ``survreg``'s parameterisation: ``params`` are log time ratios,
        ``.aft`` holds the intercept and ``log(sigma)``).
    standardize : bool
        Divide continuous covariates by their SD (effects per SD).
    strata : sequence of str, optional
        Cox: baseline hazards differ by these columns (for covariates that violate
        proportional hazards). Parametric models: one sigma (shape) per stratum, as
        ``survreg(... + strata(g))``.
    penalizer : float
        Ridge penalty (0 = ordinary maximum likelihood): lifelines' convention, ``n *
        penalizer / 2`` times the sum of the squared coefficients of the covariates scaled to
        unit SD, so the same numbers as lifelines and R's ``coxph(... ridge(..., theta = n *
        penalizer, scale = TRUE))``. Parametric models penalize the coefficients the same way
        (R's ``survreg`` with ``ridge()``; the intercept and the shape are not penalized,
        whereas lifelines also shrinks the log shape).
    entry : str, optional
        Delayed entry: the tenure at which each member came under observation (see
        :func:`~loyaltylab.lapse.tenure_table` ``observed_from=``); a member is in the risk
        sets only after it, as in R's ``coxph(Surv(entry, exit, event) ~ ...)``. Works for
        Cox and the parametric models (left-truncated likelihood).
    cause : scalar, optional
        Lapse reasons (competing risks): ``event`` holds a reason code per member (0 while
        still a member) and the model is the cause-specific hazard of this reason; lapses
        for other reasons count as censored at their date, as in R's
        ``coxph(Surv(time, reason == k) ~ ...)``. Read with
        :func:`~loyaltylab.lapse.cumulative_incidence`: a cause-specific hazard ratio is
        about the rate among members still present, not the share who leave for that reason.
    ties : {"efron", "breslow"}
        Cox only: handling of tied lapse times (Efron is R's and lifelines' default).
    robust : bool
        Sandwich (Lin-Wei) standard errors, as R's ``coxph(..., robust = TRUE)`` and
        ``survreg(..., robust = TRUE)``: valid when the model is misspecified or rows are
        not independent.
    cluster : str, optional
        A column grouping rows that are not independent, e.g. the member of each
        (start, stop] row of recurrent complaints with ``entry=`` (the Andersen-Gill
        model), or the branch of each member: the sandwich variance sums the score
        residuals within each group first, as R's ``coxph(Surv(start, stop, event) ~ x +
        cluster(id))`` and ``survreg(... + cluster(id))``. Implies ``robust``.
    frailty : str, optional
        Cox only: a column of groups (members with recurrent complaints, branches) that share
        an unobserved gamma frailty, a multiplier of the hazard with mean 1 and a variance
        (``theta``) estimated from the data, as R's
        ``coxph(... + frailty(id, distribution = "gamma"))``. The hazard ratios are then
        conditional on the frailty (a member compared with itself); ``.frailty`` holds theta
        and the likelihood-ratio test of no frailty. Not with ``strata``, ``cluster`` or
        ``robust``.

    Returns
    -------
    LapseModel
        Rows without a duration or event, or with a missing covariate, are excluded and
        counted (``excluded``).

    Examples
    --------
    >>> from loyaltylab import datasets, lapse
    >>> lib = datasets.load_library()
    >>> t = lapse.tenure_table(lib.members, lib.as_of)
    >>> fit_lapse_model(t.data, "tenure", "has_lapsed", ["member_type"]).params.round(3).tolist()
    [-0.11, -0.195, 0.222]
    >>> w = fit_lapse_model(t.data, "tenure", "has_lapsed", ["member_type"], model="weibull")
    >>> w.params.round(3).tolist(), w.excluded["zero duration (no time at risk)"]
    ([0.146, 0.261, -0.296], 1)
    """
    data = _validate.frame(data)
    covariates = _validate.names(covariates, "covariates")
    if not covariates:
        raise ValueError("covariates is empty; name at least one column")
    strata = _validate.names(strata or [], "strata")
    both = [c for c in covariates if c in (duration, event)]
    if both:
        role = "duration" if both[0] == duration else "event"
        raise ValueError(f"column {both[0]!r} is the {role} column; it cannot also be a "
                         "covariate: drop it from covariates")
    extra = [entry] if entry is not None else []
    if frailty is not None:
        if model != "cox" or strata or cluster is not None or robust or penalizer:
            raise ValueError("frailty= is for plain Cox models: not with a parametric model, "
                             "strata=, cluster=, robust= or penalizer= (the frailty itself "
                             "accounts for the groups' dependence)")
        extra.append(frailty)
    if cluster is not None:
        extra.append(cluster)
        robust = True
    _validate.columns(data, [duration, event, *covariates, *strata, *extra], "a lapse model")
    _validate.one_of(model, "model", list(_MODELS))
    if strata and model == "exponential":
        raise ValueError("strata= gives each stratum its own shape; the exponential model "
                         "has none (its sigma is 1): use model='weibull'")
    if cause is not None:
        codes = data[event]
        if cause not in set(codes.dropna().unique()):
            raise ValueError(f"cause {cause!r} does not occur in column {event!r} (values: "
                             f"{sorted(map(str, codes.dropna().unique()))[:10]})")
        data = data.assign(**{event: (codes == cause).astype(int).where(codes.notna())})
    # (a stratum may also be a covariate: survreg(... ~ sex + strata(sex)))
    used = data[list(dict.fromkeys([duration, event, *covariates, *strata, *extra]))]
    outcome = used[[duration, event]].notna().all(axis=1)
    complete = outcome & used.notna().all(axis=1)
    # each row left out once, under its first reason: no duration or event, else a covariate
    excluded = {"missing duration or event": int((~outcome).sum()),
                "missing covariate": int((outcome & ~complete).sum())}
    if not complete.all():  # (a boolean index copies every column)
        used = used[complete]
    if used.empty:
        empty = [c for c in data[list(used.columns)] if data[c].isna().all()]
        raise ValueError(f"no row of {len(data)} has every column ({duration!r}, {event!r} "
                         f"and the covariates); "
                         + (f"{', '.join(map(repr, empty))} is missing in every row"
                            if empty else "each misses at least one")
                         + ": fill or drop the column")
    if model != "cox" or entry is not None:
        # the package's rule: no time at risk, no place in a parametric fit (nor in
        # lifelines' delayed-entry Cox fit, which refuses entry == exit; R drops such rows)
        t0 = _validate.numeric(used, duration, lo=0, allow_missing=False,
                               purpose="a lapse model")
        excluded["zero duration (no time at risk)"] = int((t0 == 0).sum())
        used = used[(t0 > 0).to_numpy()]
    n_excluded = int(sum(excluded.values()))
    t, e = _durations(used, duration, event, "a lapse model")
    if not e.any():
        raise ValueError(f"column {event!r} has no lapses among the {len(used)} rows used; "
                         f"a lapse model needs events")
    if t[e].nunique() == 1 and model != "cox":
        raise ValueError("every lapse happens at the same time; a parametric model cannot "
                         "estimate a shape from that")
    x, scales = _design(used, covariates, standardize)
    scale_df = _scale_frame(used, scales)
    df = pd.concat([x, used[[s for s in strata if s not in x.columns]]], axis=1)
    df[duration], df[event] = t.to_numpy(), e.astype(int).to_numpy()
    if entry is not None:
        df[_ENTRY] = _entry(used, entry, t, "a lapse model").to_numpy()
    if cluster is not None:
        df[_CLUSTER] = used[cluster].to_numpy()
    if frailty is not None:
        df[_FRAILTY] = used[frailty].to_numpy()
    if strata and model != "cox":
        df[_STRATA] = _strata_key(used, strata)
    _validate.one_of(ties, "ties", ["efron", "breslow"])
    if model == "cox":  # ridge too: the package's own solver (lifelines is optional)
        return _fit_cox(df, x, used, duration, event, strata, entry is not None, ties, robust,
                        scale_df, excluded, n_excluded, e, penalizer)
    if ties != "efron":
        raise ValueError("ties= is for Cox models")
    return _fit_aft(df, x, used, duration, event, model, strata, robust, scale_df, excluded,
                    n_excluded, e, penalizer)


def _strata_key(data: pd.DataFrame, strata: Sequence[str]) -> np.ndarray:
    """One label per row for the combination of the strata columns."""
    return data[list(strata)].astype(str).agg("|".join, axis=1).to_numpy()


def _fit_aft(df, x, used, duration, event, model, strata, robust, scale_df, excluded,
             n_excluded, e, penalizer) -> LapseModel:
    from loyaltylab.lapse._aft import fit_aft

    names = list(x.columns)
    design = np.column_stack([np.ones(len(df)), df[names].to_numpy(float)])
    ridge = _ridge(df[names], penalizer)
    with _solver_errors("the lapse model", ["(intercept)", *names]):
        res = fit_aft(design, df[duration].to_numpy(float), df[event].to_numpy(bool),
                      model=model,
                      entry=df[_ENTRY].to_numpy(float) if _ENTRY in df else None,
                      strata=df[_STRATA].to_numpy() if strata else None,
                      ridge=None if ridge is None else np.r_[0.0, ridge], robust=robust,
                      cluster=df[_CLUSTER].to_numpy() if _CLUSTER in df else None)
    params = pd.Series(res.coef[1:], index=pd.Index(names, name="covariate"), name="coef")
    _check_runaway(params, pd.Series(np.sqrt(np.diag(res.naive_variance))[1:len(names) + 1],
                                     index=params.index), x, "the lapse model", penalizer)
    if not res.converged:
        raise ValueError(
            f"the {model} lapse model did not converge in {res.iterations} Newton steps; "
            "check the effects one at a time, drop or merge a covariate, or use "
            "penalizer=0.1")
    return LapseModel(_fitter=None, params=params, model=model, scales=scale_df, n=len(used),
                      n_lapsed=int(e.sum()), n_excluded=n_excluded, excluded=excluded,
                      _design=df, _duration=duration, _event=event, _strata=tuple(strata),
                      _robust=robust, _penalizer=float(penalizer), aft=res)


def _check_runaway(params: pd.Series, se: pd.Series, x: pd.DataFrame, what: str,
                   penalizer: float) -> None:
    """Refuse a fit whose coefficients ran off, on a scale-free criterion: the optimiser
    stops where the likelihood is flat when a coefficient drifts towards infinity
    (separation: a group in which no one lapses), and the standard error explodes. A
    standard error above 5 on the log scale per SD of the covariate (a 95% interval wider
    than a factor of 10^8 per SD) is not an estimate."""
    per_sd = se.loc[params.index] * x[params.index].std(ddof=0)
    bad = ~np.isfinite(per_sd) | ~np.isfinite(params) | (per_sd > 5)
    if bad.any():
        cols = ", ".join(repr(c) for c in params.index[bad.to_numpy()])
        advice = "" if penalizer else ", or use penalizer=0.1"
        raise ValueError(
            f"{what} cannot be estimated: the coefficient of {cols} runs to infinity (perfect "
            "separation: the covariate alone tells who lapses, or a level in which no one "
            f"lapses). Merge that level with another or drop the covariate{advice}")


@contextmanager
def _solver_errors(what: str, names: Sequence[str]):
    """A singular information matrix at the start, as a ValueError naming the covariates."""
    from loyaltylab._newton import SingularInformation

    try:
        yield
    except SingularInformation as exc:
        cols = ", ".join(repr(names[k]) for k in exc.columns)
        raise ValueError(
            f"{what} cannot be estimated: the covariates {cols} are collinear (one is a "
            "combination of others) or one never varies among members at risk; drop or merge "
            "one of them") from exc


def _check_fit(res, what: str, names: Sequence[str], penalized: bool = True) -> None:
    """Refuse a fit whose coefficients run to infinity or that did not converge."""
    or_penalize = ", or use penalizer=0.1" if penalized else ""
    if res.infinite:
        cols = ", ".join(repr(names[k]) for k in res.infinite)
        raise ValueError(
            f"{what} cannot be estimated: the coefficient of {cols} runs to infinity (perfect "
            "separation: the covariate alone tells who lapses, or a level in which no one "
            f"lapses). Merge that level with another or drop the covariate{or_penalize}")
    if not res.converged or not np.isfinite(res.params).all():
        raise ValueError(
            f"{what} did not converge in {res.iterations} Newton iterations; check the "
            f"effects one at a time, drop or merge a covariate{or_penalize}")


def _ridge(design: pd.DataFrame, penalizer: float) -> np.ndarray | None:
    """lifelines' ridge convention, on the package's own solver: a penalty of ``n *
    penalizer / 2`` times the sum of squared coefficients of the covariates scaled to unit
    SD (R: ``coxph(... ridge(..., theta = n * penalizer, scale = TRUE))``), so weights
    ``n * penalizer * sd_j**2`` on the coefficients as fitted."""
    if not penalizer:
        return None
    return len(design) * penalizer * design.std(ddof=1).to_numpy() ** 2


def _fit_cox(df, x, used, duration, event, strata, has_entry, ties, robust, scale_df,
             excluded, n_excluded, e, penalizer: float = 0.0) -> LapseModel:
    from loyaltylab.lapse._cox import fit_cox

    names = list(x.columns)
    labels = (df[strata].astype(str).agg("|".join, axis=1).to_numpy() if strata else None)
    groups = df[_CLUSTER].to_numpy() if _CLUSTER in df else None
    entry = df[_ENTRY].to_numpy(float) if has_entry else None
    with _solver_errors("the lapse model", names):
        if _FRAILTY in df:
            from loyaltylab.lapse._frailty import fit_gamma_frailty

            res = fit_gamma_frailty(df[names].to_numpy(float), df[duration].to_numpy(float),
                                    df[event].to_numpy(bool), df[_FRAILTY].to_numpy(),
                                    entry=entry, ties=ties)
        else:
            res = fit_cox(df[names].to_numpy(float), df[duration].to_numpy(float),
                          df[event].to_numpy(bool), entry=entry, strata=labels, ties=ties,
                          robust=robust, cluster=groups, ridge=_ridge(df[names], penalizer))
    _check_fit(res, "the lapse model", names, penalized=_FRAILTY not in df and not penalizer)
    params = pd.Series(res.params, index=pd.Index(names, name="covariate"), name="coef")
    return LapseModel(_fitter=None, params=params, model="cox", scales=scale_df, n=len(used),
                      n_lapsed=int(e.sum()), n_excluded=n_excluded, excluded=excluded,
                      _design=df, _duration=duration, _event=event, cox=res,
                      _strata=tuple(strata), _robust=robust, _penalizer=float(penalizer))


def compare_models(models: dict[str, LapseModel]) -> pd.DataFrame:
    """AIC table of parametric lapse models fitted to the same rows (lower is better).

    Cox models are listed with their partial-likelihood AIC, which is not comparable with the
    parametric models' AIC; the ``comparable`` column says so.

    Parameters
    ----------
    models : dict
        Name -> fitted :class:`LapseModel`.

    Returns
    -------
    DataFrame
        ``model``, ``kind``, ``aic``, ``concordance``, ``n_params``, ``comparable``,
        ``delta_aic``.
    """
    ns = {m.n for m in models.values()}
    if len(ns) > 1:
        raise ValueError(f"models were fitted to different numbers of rows {sorted(ns)}; "
                         f"compare models fitted to the same data")
    rows = [{"model": name, "kind": m.model, "aic": m.aic, "concordance": m.concordance,
             "n_params": len(m.params) if m.cox is not None else len(m.aft.params),
             "comparable": m.model != "cox"}
            for name, m in models.items()]
    out = pd.DataFrame(rows).sort_values(["comparable", "aic"], ascending=[False, True])
    par = out["comparable"]
    out["delta_aic"] = np.where(par, out["aic"] - out.loc[par, "aic"].min(), np.nan)
    return out.reset_index(drop=True)


@dataclass(frozen=True, repr=False)
class TimeVaryingLapseModel(Result):
    """A Cox model with time-varying covariates on (start, stop] episodes.

    Fitted by the package's Cox solver (:mod:`loyaltylab.lapse._cox`; an episode is a row
    that enters the risk sets at ``start``, Efron ties, as lifelines' and R's
    ``coxph(Surv(start, stop, event) ~ ...)``), ridge penalty included.

    Attributes
    ----------
    fitter : lifelines.CoxTimeVaryingFitter
        The lifelines object (fitted on first use, then kept).
    cox : CoxFit or None
        The Cox solver's result; None for penalized fits.
    params : Series
        Log hazard ratios.
    episodes : DataFrame
        The rows used.
    n_members, n_lapsed, n_excluded : int
        Members, lapses and members left out (``excluded`` says why).
    """

    _fitter: object
    params: pd.Series
    episodes: pd.DataFrame
    n_members: int
    n_lapsed: int
    n_excluded: int
    excluded: dict
    cox: CoxFit | None = None
    _columns: tuple[str, str, str, str] = ("", "", "", "")  # member, start, stop, event
    _penalizer: float = 0.0

    @property
    def fitter(self):
        """lifelines' ``CoxTimeVaryingFitter`` on the same episodes (fitted on first use)."""
        if self._fitter is None:
            member, start, stop, event = self._columns
            ll = _stats.lifelines("TimeVaryingLapseModel.fitter")
            f = ll.CoxTimeVaryingFitter(penalizer=self._penalizer).fit(
                self.episodes, id_col=member, event_col=event, start_col=start,
                stop_col=stop, fit_options={"precision": 1e-12})
            object.__setattr__(self, "_fitter", f)
        return self._fitter

    @property
    def _variance(self) -> np.ndarray:
        if self.cox is not None:
            return self.cox.variance
        return self.fitter.variance_matrix_.to_numpy()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(members={self.n_members}, lapses={self.n_lapsed}, "
                f"excluded={self.n_excluded})")

    def effects(self, *, ci: float = 0.95) -> pd.DataFrame:
        """Hazard ratios with Wald intervals.

        Parameters
        ----------
        ci : float
            Confidence level (recorded in the ``ci`` column).

        Returns
        -------
        DataFrame
            ``covariate``, ``coef``, ``se``, ``hazard_ratio``, ``ci_low``, ``ci_high``,
            ``p_value``, ``ci``.
        """
        ci = _validate.probability(ci, "ci")
        se = pd.Series(np.sqrt(np.diag(self._variance)), index=self.params.index)
        return _stats.ratio_table(self.params, se, ci, "hazard_ratio").assign(ci=ci)

    def to_frame(self) -> pd.DataFrame:
        """The effects table at 95%."""
        return self.effects()

    def _combination(self, weights: dict[str, float], ci: float) -> tuple[float, float, float]:
        """Hazard ratio of a linear combination of coefficients, with its interval."""
        b = self.params
        w = pd.Series(0.0, index=b.index)
        for k, val in weights.items():
            w[k] = val
        est = float(w @ b)
        se = float(np.sqrt(w @ self._variance @ w))
        z = _stats.z_value(ci)
        return np.exp(est), np.exp(est - z * se), np.exp(est + z * se)


def fit_time_varying_lapse_model(
    data: pd.DataFrame,
    member: str,
    covariates: Sequence[str],
    start: str = "start",
    stop: str = "stop",
    event: str = EVENT,
    *,
    penalizer: float = 0.0,
) -> TimeVaryingLapseModel:
    """Cox model with time-varying covariates on a person-period table
    (:func:`~loyaltylab.lapse.person_period`), fitted by the package's Cox solver (the
    estimates of lifelines' ``CoxTimeVaryingFitter`` and R's ``coxph(Surv(start, stop,
    event) ~ ...)``, Efron ties; ridge penalty included).

    Parameters
    ----------
    data : DataFrame or TableResult
        One row per member and episode (start, stop].
    member : str
        Member-id column.
    covariates : sequence of str
        Numeric covariate columns (per unit, not standardized).
    start, stop, event : str
        Episode start and stop times and the lapse indicator (1 in the last episode).
    penalizer : float
        Ridge penalty, lifelines' convention (see :func:`fit_lapse_model`).

    Returns
    -------
    TimeVaryingLapseModel
        ``.effects()`` has hazard ratios; ``.cox`` the solver's result; ``.fitter`` the
        lifelines object (fitted on first use).
    """
    data = _validate.frame(data)
    covariates = _validate.names(covariates, "covariates")
    _validate.columns(data, [member, start, stop, event, *covariates], "a time-varying model")
    df = data[[member, start, stop, event, *covariates]].copy()
    if df[member].isna().any():  # whose episode it is decides n_members and each history
        n = int(df[member].isna().sum())
        raise ValueError(f"column {member!r} has {n} episode(s) without a member id; every "
                         "episode belongs to a member: fill the ids or drop those rows")
    for c in covariates:
        df[c] = _validate.numeric(df, c, allow_missing=False, purpose="a time-varying model")
        if df[c].nunique() < 2:
            raise ValueError(f"column {c!r} is constant; drop it from the covariates")
    for c in (start, stop):
        df[c] = _validate.numeric(df, c, lo=0, allow_missing=False,
                                  purpose="a time-varying model (the episode's times)")
    e = _validate.numeric(df, event, lo=0, hi=1, integer=True, allow_missing=False,
                          purpose="a time-varying model (event must be 0/1)")
    bad = df[stop] <= df[start]
    if bad.any():
        raise ValueError(f"{int(bad.sum())} row(s) have {stop!r} <= {start!r}; every interval "
                         f"must have positive length: drop or correct those rows")
    common = {"episodes": df, "n_members": int(df[member].nunique()),
              "n_lapsed": int(e.sum()), "n_excluded": 0, "excluded": {},
              "_columns": (member, start, stop, event), "_penalizer": penalizer}
    from loyaltylab.lapse._cox import fit_cox

    with _solver_errors("the time-varying model", covariates):
        # ridge as lifelines' CoxTimeVaryingFitter has it (n = episodes), on our own solver
        res = fit_cox(df[covariates].to_numpy(float), df[stop].to_numpy(float),
                      e.to_numpy(bool), entry=df[start].to_numpy(float),
                      ridge=_ridge(df[covariates], penalizer))
    _check_fit(res, "the time-varying model", covariates, penalized=not penalizer)
    params = pd.Series(res.params, index=pd.Index(covariates, name="covariate"), name="coef")
    return TimeVaryingLapseModel(_fitter=None, params=params, cox=res, **common)

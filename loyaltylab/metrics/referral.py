"""Referral: the Net Promoter Score with its uncertainty, group and wave comparisons, the
mean likelihood to recommend, and the promoters who really refer people.

NPS = % promoters (9-10) - % detractors (0-6) on the 0-10 likelihood-to-recommend
question. It is contested as a sole metric (it discards information and has a large
standard error), so every result also carries the mean rating with its interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from loyaltylab import _stats, _validate
from loyaltylab._results import Result

_METHODS = ("wald", "adjusted-wald", "bootstrap")


@dataclass(frozen=True)
class NPSResult(Result):
    """Net Promoter Score on the -100..100 scale with its parts and interval.

    ``promoters``, ``passives`` and ``detractors`` are shares (0-1); ``se``, ``ci_low`` and
    ``ci_high`` are on the NPS scale. ``se`` is the plain Wald standard error of the
    observed NPS for the Wald and adjusted-Wald methods (the adjusted-Wald interval is
    centred on the adjusted score with its own SE) and the bootstrap SD for the bootstrap.
    ``mean_ltr`` is the mean 0-10 rating.
    """

    nps: float
    promoters: float
    passives: float
    detractors: float
    n: int
    se: float
    ci_low: float
    ci_high: float
    method: str
    mean_ltr: float
    mean_ltr_ci_low: float
    mean_ltr_ci_high: float
    n_missing: int = 0
    ci: float = 0.95

    def __repr__(self) -> str:
        return (f"NPSResult(nps={self.nps:.1f}, {self.ci:.0%} CI [{self.ci_low:.1f}, "
                f"{self.ci_high:.1f}] ({self.method}), promoters={self.promoters:.1%}, "
                f"passives={self.passives:.1%}, detractors={self.detractors:.1%}, n={self.n}, "
                f"missing={self.n_missing}, mean rating={self.mean_ltr:.2f})")

    def to_frame(self) -> pd.DataFrame:
        """All fields as a one-row table."""
        d = {k: getattr(self, k) for k in ("nps", "se", "ci_low", "ci_high", "promoters",
                                           "passives", "detractors", "n", "n_missing",
                                           "mean_ltr", "mean_ltr_ci_low", "mean_ltr_ci_high",
                                           "method")}
        return pd.DataFrame([d])


def _ratings(data: pd.DataFrame, column: str) -> tuple[np.ndarray, int]:
    data = _validate.frame(data)
    _validate.columns(data, [column], "the Net Promoter Score")
    x = _validate.numeric(data, column, lo=0, hi=10, integer=True,
                          purpose="the Net Promoter Score (0-10 likelihood to recommend)",
                          allow_bool=False,  # pragma: no mutate (None is False here)
    )
    n_missing = int(x.isna().sum())
    x = x.dropna().to_numpy()
    if x.size == 0:
        raise ValueError(f"column {column!r} has no answers ({n_missing} missing); "
                         f"the NPS needs at least one 0-10 rating")
    return x, n_missing


#: The segments of the 0-10 likelihood to recommend, low to high.
_NPS_SEGMENTS = ("detractor", "passive", "promoter")


def _segments(x: pd.Series | np.ndarray) -> np.ndarray:
    """The segment of each rating (detractor 0-6, passive 7-8, promoter 9-10; the ratings
    are checked whole numbers from 0 to 10), None where the rating is missing."""
    x = np.asarray(x, float)  # pragma: no mutate (numbers already; isfinite needs them)
    return np.select([x <= 6, x <= 8, np.isfinite(x)], list(_NPS_SEGMENTS), None)


def _counts(x: np.ndarray) -> tuple[int, int, int]:
    return int((x >= 9).sum()), int(((x >= 7) & (x <= 8)).sum()), int((x <= 6).sum())


def _wald(n_p: float, n_d: float, n: float) -> tuple[float, float]:
    pp, pd_ = n_p / n, n_d / n
    return pp - pd_, np.sqrt((pp + pd_ - (pp - pd_) ** 2) / n)


def nps(
    data: pd.DataFrame,
    column: str = "recommend",
    *,
    method: str = "adjusted-wald",
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> NPSResult:
    """Net Promoter Score with a confidence interval.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    column : str
        The 0-10 likelihood-to-recommend answers. Missing answers are excluded and counted;
        values outside 0-10, fractions and text raise an error.
    method : {"adjusted-wald", "wald", "bootstrap"}
        ``"wald"``: NPS +- z se with se = sqrt((p_P + p_D - (p_P - p_D)^2) / n).
        ``"adjusted-wald"``: the same on counts with 3/4 added to promoters and detractors
        and 3 to n, which keeps coverage near nominal for small n and extreme scores
        (Rocks 2016; the interval is centred on the adjusted NPS, ``nps`` stays the raw one).
        ``"bootstrap"``: percentile interval from ``n_boot`` multinomial resamples of the
        three counts (fast for any n: it resamples counts, not rows).
    ci : float
        Confidence level.
    seed : int
        Seed of the bootstrap draws.

    Returns
    -------
    NPSResult

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American
    Statistician* 70(4), 365-372. Lewis, J. R. & Sauro, J. (2021). Evaluating NPS confidence
    intervals with real-world data. MeasuringU.

    Examples
    --------
    >>> df = pd.DataFrame({"recommend": [10] * 40 + [8] * 40 + [3] * 20})
    >>> res = nps(df, method="wald")
    >>> round(float(res.nps), 1), round(float(res.se), 3)
    (20.0, 7.483)
    """
    _validate.one_of(method, "method", _METHODS)
    ci = _validate.probability(ci, "ci")
    x, n_missing = _ratings(data, column)
    n = x.size
    n_p, n_pa, n_d = _counts(x)
    z = _stats.z_value(ci)
    score, se = _wald(n_p, n_d, n)
    if method == "wald":
        lo, hi = score - z * se, score + z * se
    elif method == "adjusted-wald":
        adj, se_adj = _wald(n_p + 0.75, n_d + 0.75, n + 3)
        lo, hi = adj - z * se_adj, adj + z * se_adj
    else:
        n_boot = _validate.positive_int(n_boot, "n_boot", minimum=100)
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(n, [n_p / n, n_pa / n, n_d / n], size=n_boot)
        boot = (draws[:, 0] - draws[:, 2]) / n
        lo, hi = np.quantile(boot, [(1 - ci) / 2, 0.5 + ci / 2])
        se = float(boot.std(ddof=1))
    lo, hi = max(lo, -1.0), min(hi, 1.0)
    m, m_lo, m_hi, _ = _stats.mean_interval(x, ci)
    return NPSResult(nps=100 * score, promoters=n_p / n, passives=n_pa / n,
                     detractors=n_d / n, n=n, se=100 * se, ci_low=100 * lo, ci_high=100 * hi,
                     method=method, mean_ltr=m, mean_ltr_ci_low=m_lo, mean_ltr_ci_high=m_hi,
                     n_missing=n_missing, ci=ci)


def nps_by_group(data: pd.DataFrame, by: str, column: str = "recommend", *,
                 method: str = "adjusted-wald", ci: float = 0.95) -> pd.DataFrame:
    """NPS per group in one call: one row per group with the NPS, its interval, the three
    shares, n and the mean likelihood to recommend.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    by : str
        Group column.
    column : str
        The 0-10 likelihood-to-recommend answers.
    method : {"adjusted-wald", "wald", "bootstrap"}
        Interval method (see :func:`nps`).
    ci : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``group`` and the columns of :meth:`NPSResult.to_frame`.

    Examples
    --------
    >>> df = pd.DataFrame({"recommend": [10, 9, 3, 8, 10, 2], "branch": list("AAABBB")})
    >>> nps_by_group(df, "branch")[["group", "nps", "n"]].round(1)
      group   nps  n
    0     A  33.3  3
    1     B   0.0  3
    """
    data = _validate.frame(data)
    _validate.columns(data, [by, column], "NPS by group")
    _validate.groups(data, by)
    rows = []
    for level, sub in data.groupby(by, observed=True):  # (sorted: pandas' default)
        res = nps(sub, column, method=method, ci=ci).to_frame().assign(group=level)
        rows.append(res)
    out = pd.concat(rows, ignore_index=True)
    return out[["group", *[c for c in out.columns if c != "group"]]]


@dataclass(frozen=True)
class NPSComparison(Result):
    """Difference in NPS between two groups or waves, with a z test.

    ``n_used`` answers (those of ``a`` and ``b``) are compared; ``excluded`` counts the rest
    of the table by reason (rows of other groups, answers without a rating and, paired,
    answers of members who did not answer in both waves): rows in = used + excluded.
    """

    difference: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    a: NPSResult
    b: NPSResult
    paired: bool = False
    n_used: int = 0
    excluded: Mapping[str, int] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"NPSComparison(difference={self.difference:.1f} (b - a), CI "
                f"[{self.ci_low:.1f}, {self.ci_high:.1f}], z={self.statistic:.2f}, "
                f"p_value={self.p_value:.4g}; a: {self.a.nps:.1f} (n={self.a.n}), "
                f"b: {self.b.nps:.1f} (n={self.b.n}))")

    def to_frame(self) -> pd.DataFrame:
        """The comparison as a one-row table."""
        return pd.DataFrame([{"nps_a": self.a.nps, "nps_b": self.b.nps,
                              "difference": self.difference, "se": self.se,
                              "ci_low": self.ci_low, "ci_high": self.ci_high,
                              "statistic": self.statistic, "p_value": self.p_value,
                              "n_a": self.a.n, "n_b": self.b.n, "paired": self.paired}])


def compare_nps(data: pd.DataFrame, by: str, a: object, b: object,
                column: str = "recommend", id_column: str | None = None, *,
                ci: float = 0.95) -> NPSComparison:
    """Compare the NPS of two groups or two survey waves (difference b - a).

    Independent samples: z test with the sum of the two Wald variances. With
    ``id_column`` the comparison is paired: only members who answered in both waves are used
    (both NPS values refer to them) and the per-member change in the -1/0/+1 score is tested
    against 0, which accounts for the correlation between waves.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    by : str
        Group or wave column.
    a, b : object
        The two values of ``by`` to compare.
    column : str
        The 0-10 likelihood-to-recommend answers.
    id_column : str, optional
        Respondent ids, for a paired comparison of two waves.
    ci : float
        Confidence level.

    Returns
    -------
    NPSComparison
    """
    data = _validate.frame(data)
    _validate.columns(data, [by, column] + ([id_column] if id_column else []), "an NPS "
                      "comparison")
    for level in (a, b):
        if not (data[by] == level).any():
            raise ValueError(f"column {by!r} has no rows equal to {_validate.shown(level)}; "
                             f"pass one of the groups present: "
                             f"{sorted(data[by].dropna().unique().tolist())[:10]}")
    z = _stats.z_value(ci)
    in_ab = data[by].isin([a, b])
    excluded = {"rows of other groups": int((~in_ab).sum())}
    if id_column is not None:
        _validate.unique(data[data[by] == a], id_column, "respondent per wave")
        _validate.unique(data[data[by] == b], id_column, "respondent per wave")
        both = set(data.loc[(data[by] == a) & data[column].notna(), id_column]) & set(
            data.loc[(data[by] == b) & data[column].notna(), id_column])
        if len(both) < 2:
            raise ValueError(f"fewer than two {id_column!r} values answered in both "
                             f"{a!r} and {b!r}; use the unpaired comparison")
        paired_rows = data[id_column].isin(both)
        excluded["answers of members who did not answer in both"] = int(
            (in_ab & ~paired_rows).sum())
        data = data[paired_rows]
    ra, rb = (nps(data[data[by] == v], column, method="wald", ci=ci) for v in (a, b))
    excluded["answers without a rating"] = ra.n_missing + rb.n_missing
    diff = rb.nps - ra.nps
    if id_column is None:
        se = float(np.hypot(ra.se, rb.se))
    else:
        # the per-member change in the -1/0/+1 score, so the wave-to-wave correlation counts
        sub = data[data[by].isin([a, b])]
        x = sub[column].to_numpy(dtype=float)
        score = np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0))
        wide = pd.DataFrame({"id": sub[id_column].to_numpy(), "w": sub[by].to_numpy(),
                             "s": score}).pivot(index="id", columns="w", values="s")
        change = wide[b] - wide[a]
        se = 100 * float(change.std(ddof=1) / np.sqrt(len(change)))
    stat = diff / se if se > 0 else np.nan
    p = 2 * stats.norm.sf(abs(stat))
    return NPSComparison(difference=diff, se=se, ci_low=diff - z * se, ci_high=diff + z * se,
                         statistic=float(stat), p_value=float(p), a=ra, b=rb,
                         paired=id_column is not None, n_used=ra.n + rb.n, excluded=excluded)


@dataclass(frozen=True, repr=False)
class ReferringPromoters(Result):
    """Who refers: the share of each NPS segment that made referrals.

    Attributes
    ----------
    table : DataFrame
        One row per segment (``detractor``, ``passive``, ``promoter``): ``n``,
        ``referred``, ``share_referred`` with a Wilson interval, ``mean_referrals``.
    share : float
        Promoters who referred, as a share of all respondents used.
    n_used, n_excluded : int
        Respondents used, and left out for a missing rating or referral count.
    ci : float
        Confidence level of the intervals.
    """

    table: pd.DataFrame
    share: float
    n_used: int
    n_excluded: int
    ci: float

    def __repr__(self) -> str:
        return (f"ReferringPromoters({self.share:.1%} of respondents, "
                f"n={self.n_used}, excluded={self.n_excluded})")

    def to_frame(self) -> pd.DataFrame:
        """The per-segment table."""
        return self.table


def referring_promoters(data: pd.DataFrame, column: str = "recommend",
                        referrals: str = "referrals", *, min_referrals: int = 1,
                        ci: float = 0.95) -> ReferringPromoters:
    """Promoters who actually referred someone: intention (a 9 or 10) next to behaviour.

    Narrower evidence than the library CRM guidance's *customer evangelists*, who also use
    the library regularly, praise it unasked and suggest improvements: see
    :func:`loyaltylab.metrics.evangelists`.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    column : str
        The 0-10 likelihood-to-recommend answers.
    referrals : str
        Number of people the respondent actually referred.
    min_referrals : int
        Referrals that make a member count as having referred.
    ci : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    ReferringPromoters
    """
    data = _validate.frame(data)
    ci = _validate.probability(ci, "ci")
    _validate.columns(data, [column, referrals], "referring promoters")
    x = _validate.numeric(data, column, lo=0, hi=10, integer=True,
                          allow_bool=False,  # pragma: no mutate (None is False here)
                          purpose="referring promoters (the 0-10 likelihood to recommend)")
    r = _validate.numeric(data, referrals, lo=0, integer=True,
                          purpose="referring promoters (referral counts)")
    ok = x.notna() & r.notna()
    seg = _segments(x[ok])
    referred = r[ok] >= min_referrals
    rows = []
    for level in _NPS_SEGMENTS:
        m = seg == level
        k, n = int(referred[m].sum()), int(m.sum())
        lo, hi = _stats.wilson(k, n, ci)
        rows.append({"segment": level, "n": n, "referred": k,
                     "share_referred": k / n if n else np.nan, "ci_low": lo, "ci_high": hi,
                     "mean_referrals": float(r[ok][m].mean())})  # NaN for no one
    share = float((referred & (seg == "promoter")).sum() / ok.sum())
    return ReferringPromoters(table=pd.DataFrame(rows), share=share,
                            n_used=int(ok.sum()), n_excluded=int((~ok).sum()), ci=ci)

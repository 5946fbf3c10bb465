"""Gray's (1988) K-sample test of equal cumulative incidence of one lapse reason.

Written here because no maintained Python library has it (lifelines, statsmodels and
scikit-survival compare cause-specific hazards or all-cause survival, which answer a
different question: a reason's cumulative incidence depends on the other reasons too).

Notation, per distinct time t and group k (all "before" values are left limits):

* ``Y_k`` members at risk, ``S_k`` all-cause Kaplan-Meier, ``F_k`` the reason's cumulative
  incidence, ``d1_k`` lapses for the reason, ``d2_k`` lapses for any other reason;
* ``h_k = Y_k / S_k(t-)``, ``H = sum_k h_k``, ``R_k = h_k (1 - F_k(t-))``, ``Q = sum_k R_k``;
* the pooled incidence under the null, ``F(t) = F(t-) + D1 / H`` with ``D1 = sum_k d1_k``,
  and the weight ``W = (1 - F(t-))^rho``.

The score of group k is ``sum_t W (d1_k - D1 R_k / Q)``. Its variance is Gray's estimator
written as a sum of squared influence terms: for the reason's lapses
``u_ik = A_ik - a_k (C_ik(t) - C_ik(end))`` with ``A = W (diag(h) - h h'/H)``,
``C(t) = sum_{s<=t} A(s) D1(s) / (H(s) (1 - F(s-)))`` and ``a_k = 1 - (1 - F(t)) / S_k(t)``;
for other reasons' lapses ``u_ik = -(1 - F(t)) / S_k(t) (C_ik(t) - C_ik(end))``. The weights
of the terms carry the same corrections for tied lapses as R's cmprsk (``crstm``), so that
the statistic agrees with ``cuminc(...)$Tests`` to rounding.
"""

from __future__ import annotations

import numpy as np

from loyaltylab.lapse.curves import _distinct


def _score_and_variance(time: np.ndarray, cause: np.ndarray, group: np.ndarray, ng: int,
                        rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Score and its variance for groups ``0 .. ng-2`` in one stratum.

    ``cause`` is 1 for the reason tested, 2 for any other reason, 0 for still a member;
    ``group`` holds integer codes ``0 .. ng-1``.
    """
    times, inv = _distinct(time)
    nt = times.size

    def per_time(mask: np.ndarray) -> np.ndarray:
        return np.bincount(inv * ng + group, weights=mask, minlength=nt * ng).reshape(nt, ng)

    d1, d2 = per_time(cause == 1), per_time(cause == 2)
    leaving = per_time(np.ones_like(cause, dtype=float))
    at_risk = leaving[::-1].cumsum(axis=0)[::-1]  # no delayed entry: Y = members not yet gone
    present = at_risk > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(present, 1 - (d1 + d2) / at_risk, 1.0)
        s_after = np.cumprod(step, axis=0)
        s_before = np.vstack([np.ones((1, ng)), s_after[:-1]])
        f_after = np.cumsum(np.where(present, s_before * d1 / at_risk, 0.0), axis=0)
        f_before = np.vstack([np.zeros((1, ng)), f_after[:-1]])

        h = np.where(present, at_risk / s_before, 0.0)
        big_h = h.sum(axis=1)
        r = h * (1 - f_before)
        q = r.sum(axis=1)
        big_d1 = d1.sum(axis=1)
        pooled = np.cumsum(np.where(big_h > 0, big_d1 / big_h, 0.0))
        pooled_before = np.r_[0.0, pooled[:-1]]
        w = (1 - pooled_before) ** rho

        # only times with a lapse of some kind contribute
        ev = (d1 + d2).sum(axis=1) > 0
        d1, d2, at_risk, present = d1[ev], d2[ev], at_risk[ev], present[ev]
        s_after, s_before, h, r = s_after[ev], s_before[ev], h[ev], r[ev]
        big_h, q, big_d1, w = big_h[ev], q[ev], big_d1[ev], w[ev]
        pooled, pooled_before = pooled[ev], pooled_before[ev]

        score = (w[:, None] * (d1 - np.where(q[:, None] > 0, big_d1[:, None] * r
                                             / q[:, None], 0.0))).sum(axis=0)

        a = w[:, None, None] * (h[:, :, None] * np.eye(ng)
                                - h[:, :, None] * h[:, None, :] / big_h[:, None, None])
        kappa = np.where(big_d1 > 0, big_d1 / (big_h * (1 - pooled_before)), 0.0)
        c = np.cumsum(a * kappa[:, None, None], axis=0)
        c_rest = c - c[-1]  # C(t) - C(end)

        # lapses for the reason: one term per group k at risk
        a_k = np.where(s_after > 0, 1 - (1 - pooled[:, None]) / s_after, 1.0)
        tie1 = np.where(big_d1[:, None] > 1,
                        1 - (big_d1[:, None] - 1) / (big_h[:, None] * s_before - 1), 1.0)
        wt1 = np.where(present & (big_d1[:, None] > 0),
                       tie1 * s_before * big_d1[:, None] / (big_h[:, None] * at_risk), 0.0)
        u1 = a - a_k[:, None, :] * c_rest

        # lapses for other reasons: one term per group k with such a lapse
        alive = (s_after > 0) & (d2 > 0)
        b_k = np.where(alive, (1 - pooled[:, None]) / s_after, 0.0)
        tie2 = np.where(d2 > 1, 1 - (d2 - 1) / (at_risk - 1), 1.0)
        wt2 = np.where(alive, tie2 * s_before**2 * d2 / at_risk**2, 0.0)
        u2 = -b_k[:, None, :] * c_rest

    var = (np.einsum("tik,tjk,tk->ij", u1, u1, wt1)
           + np.einsum("tik,tjk,tk->ij", u2, u2, wt2))
    return score[:-1], var[:-1, :-1]


def gray_statistic(time: np.ndarray, cause: np.ndarray, group: np.ndarray, ng: int,
                   strata: np.ndarray | None = None, rho: float = 0.0
                   ) -> tuple[float, np.ndarray, np.ndarray]:
    """Gray's chi-square statistic (df ``ng - 1``), summing scores and variances over strata.

    Returns the statistic (NaN when the variance is singular, e.g. no lapse for the reason
    in some group), the scores and their variance.
    """
    score, var = np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
    for s in (np.unique(strata) if strata is not None else [None]):
        m = slice(None) if s is None else strata == s
        sc, v = _score_and_variance(time[m], cause[m], group[m], ng, rho)
        score, var = score + sc, var + v
    if not np.all(np.isfinite(var)) or np.linalg.matrix_rank(var) < ng - 1:
        return float("nan"), score, var
    return float(score @ np.linalg.solve(var, score)), score, var

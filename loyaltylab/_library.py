"""The containers a library data set comes in: tables plus, for simulated data, the truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loyaltylab.schema import FACTORS


@dataclass(frozen=True, repr=False)
class LibraryTruth:
    """What the simulator used to generate a library: the answers estimators should recover.

    Attributes
    ----------
    effects : dict
        Every effect parameter used (defaults merged with the caller's).
    hazard_ratios : pandas.Series
        Lapse hazard ratio per covariate: per SD for latent factors, journey and touchpoint
        quality; per unit for the indicators (``joined_via_offer``, member types vs adult) and
        for the complaint effects, which apply from a member's first complaint on.
    loadings : pandas.DataFrame
        One row per survey item: ``scale``, ``item``, ``factor``, ``loading`` (negative for
        reverse-coded items) on the latent-response scale.
    factor_correlation : pandas.DataFrame
        Correlation of the latent variables.
    members : pandas.DataFrame
        One row per member: the latent factors (standard normal), ``journey``, touchpoint
        qualities, ``convenience``, ``attitude`` (relative attitude, standardized),
        ``use_rate`` (expected events per year), ``usage_z`` and the true Dick & Basu ``segment``.
    baseline : dict
        The Weibull baseline lapse hazard: ``shape`` and ``scale_years``.
    """

    effects: dict
    hazard_ratios: pd.Series
    loadings: pd.DataFrame
    factor_correlation: pd.DataFrame
    members: pd.DataFrame
    baseline: dict = field(default_factory=dict)

    @property
    def segment_shares(self) -> pd.Series:
        """Share of members in each true Dick & Basu segment."""
        return self.members["segment"].value_counts(normalize=True).sort_index()

    @property
    def attitude_usage_correlation(self) -> float:
        """Correlation of relative attitude and (log) usage implied by the parameters."""
        return float(self.effects["_attitude_usage_corr"])

    def expected_segment_shares(self) -> pd.Series:
        """Segment shares the parameters imply (median splits of a bivariate normal).

        With correlation rho between attitude and log usage, P(both above their medians)
        = 1/4 + arcsin(rho) / (2 pi) (Sheppard's formula).
        """
        rho = self.attitude_usage_correlation
        both = 0.25 + np.arcsin(rho) / (2 * np.pi)
        off = 0.5 - both
        return pd.Series({"latent": off, "no loyalty": both, "spurious": off, "true": both})

    def __repr__(self) -> str:
        hrs = ", ".join(f"{k}={v:.2f}" for k, v in self.hazard_ratios.items()
                        if k in FACTORS or k == "journey")
        return f"LibraryTruth(n_members={len(self.members)}, hazard ratios per SD: {hrs})"


@dataclass(frozen=True, repr=False)
class LibraryData:
    """A library's tidy tables: ``members``, ``visits``, ``survey``, ``complaints``.

    ``truth`` holds the generating values when the data were simulated. ``as_of`` is the date
    the data end: members still active then are right-censored. Data read from a library's
    own files (:mod:`loyaltylab.intake`) carry the ``intake`` report of what reading did, and
    the survey ``scales`` the spec declared.
    """

    members: pd.DataFrame
    visits: pd.DataFrame
    survey: pd.DataFrame
    complaints: pd.DataFrame
    as_of: pd.Timestamp
    truth: LibraryTruth | None = None
    name: str = "library"
    #: What reading the source files did (``loyaltylab.intake``); None for shipped data.
    intake: object | None = None
    #: Survey scales declared with the data (``loyaltylab.intake.read_spec``), by name.
    scales: dict = field(default_factory=dict)
    #: Online reviews of the library's pages (:mod:`loyaltylab.reviews`), when given.
    reviews: pd.DataFrame | None = None
    #: LibQUAL-style service-level dimensions of the survey (dimension -> item stems with
    #: ``_min``, ``_des``, ``_per`` columns), as the spec declares them.
    service_levels: dict = field(default_factory=dict)
    #: What each branch did with what its survey wave heard (:mod:`loyaltylab.feedback`):
    #: ``branch``, ``wave``, ``topic``, ``acted`` (date, missing: nothing done).
    actions: pd.DataFrame | None = None
    #: The survey item holding the 0-10 likelihood to recommend (``[survey] recommend``).
    recommend: str | None = None
    #: Which declared scale measures each attitudinal loyalty factor (factor -> scale name).
    factors: dict = field(default_factory=dict)
    #: Readable names for the codes of members columns (column -> code -> label).
    labels: dict = field(default_factory=dict)
    #: What a member-year is worth (``margin``, ``currency``) and the ``discount`` rate.
    value: dict = field(default_factory=dict)

    def factor_scales(self) -> dict:
        """The declared scales keyed by the loyalty factor each measures (for
        :func:`loyaltylab.metrics.loyalty_profile`)."""
        return {factor: self.scales[name] for factor, name in self.factors.items()}

    def __repr__(self) -> str:
        lapsed = int(self.members["lapsed"].notna().sum())
        return (
            f"LibraryData({self.name!r}: {len(self.members):,} members ({lapsed:,} lapsed), "
            f"{len(self.visits):,} use events, {len(self.survey):,} survey responses, "
            f"{len(self.complaints):,} complaints; as of {self.as_of.date()}; "
            f"{self._origin()})"
        )

    def _origin(self) -> str:
        if self.intake is not None:
            return "read from files, see .intake"
        return f"truth {'included' if self.truth is not None else 'not included'}"

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The four tables by name."""
        return {"members": self.members, "visits": self.visits, "survey": self.survey,
                "complaints": self.complaints}

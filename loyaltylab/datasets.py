"""Offline loaders for the data sets in ``datasets/`` (each documented in its datasheet,
``datasets/<name>/README.md``).

The files sit at the top of a clone (and of an editable install) and are copied into the
wheel as ``loyaltylab/_datasets``; :func:`data_path` finds them in either place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from loyaltylab._library import LibraryData, LibraryTruth

__all__ = ["data_path", "list_datasets", "load_cdnow", "load_donations", "load_ecsi",
           "load_library", "load_shxco"]

_DESCRIPTIONS = {
    "library": "Simulated library (5,000 members, 2019-2024) with its generating truth: "
               "members, use events, two survey waves, complaints.",
    "koha_example": "Simulated Koha export (borrowers, deletedborrowers, statistics) and a "
                    "survey export with realistic mess, and the spec that reads them.",
    "generic_example": "Simulated generic (non-Koha) export: members, desk visits with waits "
                       "and courtesy, complaints with their handling, and the spec.",
    "shxco": "Real members of the Shakespeare and Company lending library, Paris, 1919-1941 "
             "(5,235 accounts, subscription years; CC BY 4.0, Shakespeare and Company Project).",
    "cdnow": "Real CDNOW music-store purchase log: 23,570 customers of Q1 1997 followed to "
             "June 1998, 69,659 transactions (Fader, Hardie & Lee 2005).",
    "donations": "Real annual repeat donations of 11,104 first-time donors of 1995, six later "
                 "opportunities, as a frequency/recency summary (Fader, Hardie & Shang 2010).",
    "ecsi_mobi": "Real ECSI survey of 250 mobile-phone customers: 24 items on 1-10 "
                 "(expectations, quality, value, satisfaction, complaints, image, loyalty).",
    "ecsi_bank": "Real satisfaction survey of 250 customers of a Spanish credit institution: "
                 "image, expectations, quality, value, satisfaction, loyalty on 0-10.",
}


def data_path(*parts: str) -> Path:
    """Path of a file in the data sets folder, wherever the package is installed.

    Parameters
    ----------
    *parts : str
        Path components below the data sets folder.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> data_path("cdnow", "README.md").name
    'README.md'
    """
    here = Path(__file__).resolve().parent
    for root in (here / "_datasets", here.parent / "datasets"):
        if root.is_dir():
            path = root.joinpath(*parts)
            if not path.exists():
                raise FileNotFoundError(f"no data file {'/'.join(parts)!r} in {root}")
            return path
    raise FileNotFoundError(
        "loyaltylab's data sets were not found next to the package; reinstall loyaltylab "
        "(the wheel ships them) or run from a clone of the repository"
    )


def list_datasets() -> pd.DataFrame:
    """The shipped data sets, one line each.

    Examples
    --------
    >>> "cdnow" in list_datasets().index
    True
    """
    df = pd.DataFrame({"description": pd.Series(_DESCRIPTIONS)})
    df.index.name = "name"
    return df


_LIBRARY_CATEGORIES = {
    "members": {"member_type": ("adult", "family", "senior", "student"),
                "branch": ("Central", "East", "North", "South", "West")},
    "visits": {"kind": ("e-loan", "event", "loan", "visit")},
    "complaints": {"category": ("people", "systems", "value"),
                   "channel": ("desk", "email", "online review", "phone", "web form")},
    "survey": {},
}
_LIBRARY_DATES = {"members": ["joined", "lapsed"], "visits": ["date"], "survey": ["date"],
                  "complaints": ["date"]}


def _read_library_table(folder: Path, name: str) -> pd.DataFrame:
    df = pd.read_csv(folder / f"{name}.csv.gz", parse_dates=_LIBRARY_DATES[name])
    for col in _LIBRARY_DATES[name]:
        df[col] = df[col].astype("datetime64[ns]")
    for col, cats in _LIBRARY_CATEGORIES[name].items():
        df[col] = pd.Categorical(df[col], categories=list(cats))
    return df


def load_library(*, truth: bool = True) -> LibraryData:
    """The shipped simulated library (datasheet: ``datasets/library/README.md``).

    Parameters
    ----------
    truth : bool
        Attach the simulator's truth (hazard ratios, loadings, latent factors per member).

    Returns
    -------
    LibraryData

    Examples
    --------
    >>> lib = load_library()
    >>> len(lib.members)
    5000
    """
    folder = data_path("library")
    frames = {name: _read_library_table(folder, name) for name in _LIBRARY_CATEGORIES}
    meta = json.loads((folder / "truth.json").read_text())
    as_of = pd.Timestamp(meta["as_of"])
    tr = None
    if truth:
        tm = pd.read_csv(folder / "truth_members.csv.gz")
        tm["segment"] = pd.Categorical(tm["segment"],
                                       ["latent", "no loyalty", "spurious", "true"])
        corr = meta["factor_correlation"]
        tr = LibraryTruth(
            effects=meta["effects"],
            hazard_ratios=pd.Series(meta["hazard_ratios"], name="hazard_ratio"),
            loadings=pd.DataFrame(meta["loadings"]),
            factor_correlation=pd.DataFrame(corr["data"], index=corr["index"],
                                            columns=corr["columns"]),
            members=tm, baseline=meta["baseline"])
    return LibraryData(**frames, as_of=as_of, truth=tr, name="library")


def load_cdnow() -> pd.DataFrame:
    """The CDNOW purchase log (datasheet: ``datasets/cdnow/README.md``).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (int), ``date`` (datetime64), ``number_of_cds`` (int),
        ``dollar_value`` (float, US dollars); one row per transaction, 69,659 rows.

    Examples
    --------
    >>> df = load_cdnow()
    >>> df.shape, df["customer_id"].nunique()
    ((69659, 4), 23570)
    """
    df = pd.read_csv(data_path("cdnow", "CDNOW_master.txt"), sep=r"\s+",
                     dtype={"customer_id": "int64", "date": str, "number_of_cds": "int64",
                            "dollar_value": "float64"})
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d").astype("datetime64[ns]")
    return df


def load_donations() -> pd.DataFrame:
    """Repeat donations of the 1995 cohort as a BG/BB summary (datasheet:
    ``datasets/cdnow/README.md``): ``frequency``, ``recency``, ``periods``, ``weights``.

    Examples
    --------
    >>> int(load_donations()["weights"].sum())
    11104
    """
    return pd.read_csv(data_path("cdnow", "donations.csv"), dtype="int64")


def load_ecsi(name: str = "mobi") -> pd.DataFrame:
    """An ECSI-style satisfaction survey (datasheet: ``datasets/ecsi/README.md``).

    Parameters
    ----------
    name : {"mobi", "bank"}
        ``"mobi"``: the mobile-phone provider survey (Tenenhaus et al. 2005);
        ``"bank"``: the Spanish credit institution survey (plspm).

    Returns
    -------
    DataFrame
        One row per respondent, one column per item.

    Examples
    --------
    >>> load_ecsi("mobi").shape
    (250, 24)
    """
    files = {"mobi": "mobi.csv", "bank": "satisfaction.csv"}
    if name not in files:
        raise ValueError(f"name must be one of {sorted(files)}, got {name!r}")
    df = pd.read_csv(data_path("ecsi", files[name]), index_col=0)
    df.index.name = "respondent"
    if "gender" in df:
        df["gender"] = df["gender"].astype("category")
    return df


def load_shxco() -> pd.DataFrame:
    """Members of the Shakespeare and Company lending library, Paris (datasheet:
    ``datasets/shxco/README.md``; CC BY 4.0, Shakespeare and Company Project, Princeton).

    Returns
    -------
    pandas.DataFrame
        One row per member account (5,235): ``member`` (the Project's id, from its URI),
        ``name``, ``gender`` (category; missing when the Project does not know it),
        ``is_organization``, ``birth_year``, ``nationality`` (the first listed; missing for
        most members), ``n_nationalities``, ``arrondissement`` (of the first address, as
        text), ``membership_years`` (the original ';'-separated text) and ``years`` (the
        same as a sorted tuple of ints; empty for the 58 accounts without years). The
        original columns are kept byte-identical in the shipped file.

    Examples
    --------
    >>> m = load_shxco()
    >>> len(m), int((m["years"].map(len) == 0).sum())
    (5235, 58)
    """
    raw = pd.read_csv(data_path("shxco", "SCoData_members_v1.2_2022-01.csv"),
                      encoding="utf-8-sig", dtype={"membership_years": str,
                                                   "arrondissements": str})
    nat = raw["nationalities"].str.split(";")
    years = raw["membership_years"].fillna("").map(
        lambda s: tuple(sorted(int(y) for y in s.split(";") if y.strip())))
    return pd.DataFrame({
        "member": raw["uri"].str.rstrip("/").str.rsplit("/", n=1).str[-1],
        "name": raw["name"],
        "gender": pd.Categorical(raw["gender"]),
        "is_organization": raw["is_organization"].astype(bool),
        "birth_year": raw["birth_year"].astype("Int64"),
        "nationality": nat.str[0],
        "n_nationalities": nat.str.len().fillna(0).astype(int),
        "arrondissement": raw["arrondissements"].str.split(";").str[0],
        "membership_years": raw["membership_years"],
        "years": years,
    })

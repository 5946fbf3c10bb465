"""The reference data sets of tests/data (see its README for provenance and licence)."""

from pathlib import Path

import pandas as pd

_DIR = Path(__file__).parent / "data"


def lung() -> pd.DataFrame:
    """NCCTG lung cancer data (R ``survival::lung``; status 1 = died, 0 = censored)."""
    return pd.read_csv(_DIR / "lung.csv")


def rossi() -> pd.DataFrame:
    """Rossi et al. (1980) recidivism data (R ``carData::Rossi``)."""
    return pd.read_csv(_DIR / "rossi.csv")

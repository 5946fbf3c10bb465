"""Shared pytest setup for the doctests in loyaltylab/ and the tests in tests/."""

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

_OPTIONS = ("display.precision", "display.max_columns", "display.width", "display.max_rows")


@pytest.fixture(autouse=True)
def _restore_pandas_options():
    # notebook_setup() (and its doctest) changes display options globally; restore them so
    # every doctest sees pandas' defaults whatever ran before it.
    saved = {k: pd.get_option(k) for k in _OPTIONS}
    yield
    for k, v in saved.items():
        pd.set_option(k, v)

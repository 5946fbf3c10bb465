import os
from pathlib import Path

import matplotlib
import pytest

from tests._lifelines_files import needs_lifelines

matplotlib.use("Agg")
os.environ.setdefault("PYTHONHASHSEED", "0")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def lib():
    from loyaltylab import datasets

    return datasets.load_library()


def _lifelines_missing() -> bool:
    try:
        import lifelines  # noqa: F401
    except ImportError:
        return True
    return False


# Without lifelines (an optional companion that caps pandas below 3: the pandas 3 cells of
# `make test-matrix`), the test files that import it at the top (to compare with it, or for
# its reference data sets) cannot be collected: they are left out by name (the matrix
# prints them) and every other test runs; tests that import it inside skip themselves.
NEEDS_LIFELINES = needs_lifelines()
collect_ignore = NEEDS_LIFELINES if _lifelines_missing() else []

"""The test files that import lifelines at the top (shared by conftest.py and run_matrix.py:
without lifelines, an optional companion, they cannot be collected and are left out)."""

from pathlib import Path


def needs_lifelines() -> list[str]:
    return sorted(p.name for p in Path(__file__).parent.glob("test_*.py")
                  if any(line.startswith(("from lifelines", "import lifelines"))
                         for line in p.read_text(encoding="utf-8").splitlines()))

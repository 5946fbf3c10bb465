"""``make test-matrix``: the unit tests on Python 3.11, 3.12 and 3.13 x pandas 2.2 and 3.1.

Each cell is a fresh venv under ``.venv-matrix/`` with the package installed from this
checkout and the named pandas (and, for pandas 2.2, the oldest numpy it supports alongside
lifelines; for pandas 3.1 today's numpy and no lifelines, which caps pandas below 3). The
unit tests run in each (not nbval: the stored notebook outputs belong to the versions in
``constraints.txt``; not the image comparisons, whose pixels belong to those versions too).
Without lifelines every test file runs: the R references use tests/data, and the tests that
compare with lifelines skip themselves (tests/test_packaging.py keeps it so).

Before the tests, each pandas 3.1 cell checks the issue's promise: installing loyaltylab
into an environment that already has pandas 3.1 and numpy changes neither.

Usage: ``python tests/run_matrix.py [--cells 3.13-3.1,...] [--keep]``; a table of the cells
and their outcome is printed at the end (the README's "Tested versions" comes from it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ("3.11", "3.12", "3.13")
PANDAS = {"2.2": "pandas==2.2.3", "3.1": "pandas==3.1.1"}
TEST_TOOLS = ["pytest>=9.0", "pytest-xdist>=3.8", "hypothesis>=6.170", "pytest-mpl>=0.17",
              "pyyaml>=6.0.3", "nbformat>=5.11", "nbclient>=0.10", "nbconvert>=7.17",
              "ipykernel>=7.4", "threadpoolctl>=3.8"]
# needs a browser, a Jupyter Book build, R-free but notebook runs of the whole course, or the
# pinned versions of constraints.txt: checked by `make test`, not per cell
SKIP = ["test_site.py", "test_notebook_hygiene.py", "test_exercises.py", "test_figures.py",
        "test_report.py"]


def _python(version: str) -> str:
    for cand in (shutil.which(f"python{version}"),
                 *sorted(Path.home().glob(f".pyenv/versions/{version}*/bin/python"))):
        if cand:
            out = subprocess.run([str(cand), "-c", "import sys; print(sys.version[:4])"],
                                 capture_output=True, text=True)
            if out.returncode == 0 and out.stdout.strip().startswith(version):
                return str(cand)
    raise SystemExit(f"no Python {version} found (install it, e.g. with pyenv)")


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


def cell(py: str, pd_version: str, folder: Path) -> dict:
    venv = folder / f"py{py}-pandas{pd_version}"
    shutil.rmtree(venv, ignore_errors=True)
    _run([_python(py), "-m", "venv", str(venv)]).check_returncode()
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
           "--disable-pip-version-check"]
    row = {"python": py, "pandas": pd_version}
    if pd_version == "3.1":
        # an environment that already has today's pandas and numpy
        _run(pip + [PANDAS[pd_version], "numpy"]).check_returncode()
        before = _run([str(venv / "bin" / "python"), "-c",
                       "import pandas, numpy; print(pandas.__version__, numpy.__version__)"]
                      ).stdout.strip()
        done = _run(pip + [str(ROOT)] + TEST_TOOLS)
        after = _run([str(venv / "bin" / "python"), "-c",
                      "import pandas, numpy; print(pandas.__version__, numpy.__version__)"]
                     ).stdout.strip()
        row["install"] = "ok" if done.returncode == 0 else "FAILED"
        row["kept"] = "yes" if before == after else f"NO ({before} -> {after})"
        row["lifelines"] = "absent"
    else:
        done = _run(pip + [f"{ROOT}[lifelines]", PANDAS[pd_version], "numpy<2.3"] + TEST_TOOLS)
        row["install"] = "ok" if done.returncode == 0 else "FAILED"
        row["kept"] = "-"
        row["lifelines"] = "present"
    if done.returncode != 0:
        row["tests"] = done.stderr[-800:]
        return row
    versions = _run([str(venv / "bin" / "python"), "-c",
                     "import sys, pandas, numpy; print(sys.version.split()[0], "
                     "pandas.__version__, numpy.__version__)"]).stdout.split()
    row["versions"] = " / ".join(versions)
    # the README's first example, as a user would paste it
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("## A first example", 1)[1].split("```python", 1)[1].split("```")[0]
    ran = _run([str(venv / "bin" / "python"), "-c", example], cwd=ROOT,
               env={**os.environ, "MPLBACKEND": "Agg"})
    row["readme"] = "runs" if ran.returncode == 0 else "FAILED: " + ran.stderr[-300:]
    ignore = [f"--ignore=tests/{name}" for name in SKIP]
    start = time.perf_counter()
    tests = _run([str(venv / "bin" / "python"), "-m", "pytest", "tests", "-q", "-n", "2",
                  "-m", "not slow", "-o", "addopts=-ra", "-p", "no:cacheprovider", *ignore],
                 cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"})
    tail = [line for line in tests.stdout.splitlines() if line.strip()][-1:]
    row["tests"] = (tail[0] if tail else tests.stderr[-400:]) + \
        f" ({time.perf_counter() - start:.0f} s)"
    row["ok"] = (tests.returncode == 0 and row["kept"] in ("yes", "-")
                 and row["readme"] == "runs")
    if tests.returncode != 0:
        fails = [line for line in tests.stdout.splitlines()
                 if line.startswith(("FAILED", "ERROR"))]
        row["failures"] = fails[:30]
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", default="", help="e.g. 3.13-3.1,3.11-2.2 (default: all six)")
    ap.add_argument("--keep", action="store_true", help="keep the venvs")
    args = ap.parse_args()
    cells = ([tuple(c.split("-")) for c in args.cells.split(",") if c]
             or [(py, pv) for py in PYTHONS for pv in PANDAS])
    folder = ROOT / ".venv-matrix"
    folder.mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT))
    rows = []
    for py, pv in cells:
        print(f">> Python {py} x pandas {pv}", flush=True)
        row = cell(py, pv, folder)
        rows.append(row)
        print(f"   {row.get('versions', '')}: install {row['install']}, pandas/numpy kept: "
              f"{row['kept']}, lifelines {row['lifelines']}, README example "
              f"{row.get('readme', '-')}; {row['tests']}", flush=True)
        for line in row.get("failures", []):
            print(f"     {line}")
    print("\nWithout lifelines every test file runs; the tests that compare with lifelines "
          "skip themselves (the R references do not need it)")
    print("Not run per cell (checked by make test on the pinned versions): " + ", ".join(SKIP))
    print("\n| Python | pandas | versions (Python / pandas / numpy) | pandas and numpy kept "
          "| lifelines | README example | unit tests |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['python']} | {r['pandas']} | {r.get('versions', '-')} | {r['kept']} | "
              f"{r['lifelines']} | {r.get('readme', '-')[:20]} | "
              f"{r['tests'].splitlines()[-1] if r['tests'] else '-'} |")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(r.get("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

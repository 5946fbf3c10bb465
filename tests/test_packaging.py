"""The foundation: packaging metadata, the two commands, the wheel and JupyterLab."""

import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
import zipfile

import pytest
import yaml

import loyaltylab

#: PyPI name -> conda-forge name, where they differ
_CONDA_NAMES = {"duckdb": "python-duckdb"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    def conda_form(r: str) -> tuple[str, str]:
        name = _name(r)
        alias = _CONDA_NAMES.get(name, name)
        return alias, r.replace(" ", "").replace(name, alias, 1)

    extras = project["optional-dependencies"]

    def expand(reqs):  # an extra may name another (loyaltylab[lifelines])
        for r in reqs:
            m = re.fullmatch(r"loyaltylab\[(\w+)\]", r.strip())
            yield from (expand(extras[m[1]]) if m else [r])

    pip_side = dict(conda_form(r) for r in project["dependencies"])
    for extra in ("lab", "test"):
        pip_side.update(conda_form(r) for r in expand(extras[extra]))
    env = yaml.safe_load((root / "environment.yml").read_text())
    conda, pip_section = {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
        elif _name(dep) not in ("python", "pip"):
            conda[_name(dep)] = dep.replace(" ", "")
    # a dependency conda-forge does not carry is pip-installed by the environment itself
    for line in pip_section:
        if not line.startswith("-"):
            conda[_name(line)] = line.replace(" ", "")
    assert set(conda) == set(pip_side), (
        f"only in environment.yml: {set(conda) - set(pip_side)}; "
        f"only in pyproject.toml: {set(pip_side) - set(conda)}")
    assert conda == pip_side, "version bounds differ between environment.yml and pyproject.toml"
    assert any(line.split()[-1] == "." for line in pip_section), "env must pip-install '.'"
    assert "conda-forge" in env["channels"]


def test_version_and_show_versions(capsys):
    assert re.fullmatch(r"\d+\.\d+\.\d+", loyaltylab.__version__)
    info = loyaltylab.show_versions(as_dict=True)
    for key in ("loyaltylab", "python", "platform", "numpy", "pandas", "scipy", "statsmodels",
                "seaborn", "matplotlib"):
        assert info[key] and info[key] != "not installed", key
    assert info["lifelines"]  # its version, or "not installed" (an optional companion)
    loyaltylab.show_versions()
    out = capsys.readouterr().out
    assert "lifelines" in out and loyaltylab.__version__ in out


def test_readme_quick_start_is_the_two_commands(root):
    readme = (root / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make lab", "make test"]
    assert (root / ".ci" / "run").read_text().strip().splitlines()[-1] == "make test"


def test_make_lab_opens_start_notebook_without_global_registration(root):
    out = subprocess.run(["make", "-n", "lab"], cwd=root, capture_output=True, text=True,
                         check=True).stdout
    assert "jupyter lab" in out and "notebooks/00_start_here.ipynb" in out
    # the start notebook is the default URL: the link printed with --no-browser opens it
    # (issue 26: a file argument alone printed a link to the Launcher)
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in out
    assert "kernelspec install" not in out and "--user" not in out
    # rooted at the repository, not at notebooks/ (datasets and the README browsable)
    assert f'--ServerApp.root_dir="{root}"' in out
    passed = subprocess.run(["make", "-n", "lab", "LAB_ARGS=--no-browser --port=8890"],
                            cwd=root, capture_output=True, text=True, check=True).stdout
    assert "--no-browser --port=8890" in passed


def test_readme_code_blocks_run(root):
    readme = (root / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "the README must carry a runnable example"
    for block in blocks:
        assert len(block.strip().splitlines()) <= 15
        exec(compile(block, "README.md", "exec"), {})


@pytest.mark.slow
def test_wheel_ships_data_sets(root, tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path / "dist"), str(root)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("loyaltylab-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "loyaltylab/_datasets/library/members.csv.gz" in names
    assert "loyaltylab/_datasets/cdnow/CDNOW_master.txt" in names
    # the report command needs its notebook and the example export inside the wheel
    assert "loyaltylab/_report/report.ipynb" in names
    assert "loyaltylab/_datasets/koha_example/spec.toml" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "loyaltylab = loyaltylab.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import loyaltylab, loyaltylab.datasets as d; "
            f"assert loyaltylab.__file__.startswith({str(site)!r}), loyaltylab.__file__; "
            "print(len(d.load_library().members), len(d.load_cdnow()), "
            "len(d.load_ecsi('bank')), int(d.load_donations().weights.sum()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True,
                         capture_output=True, text=True, env={"PYTHONPATH": str(site),
                                                              "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["5000", "69659", "250", "11104"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_jupyterlab_starts_and_serves_the_notebooks(root, tmp_path):
    if shutil.which("jupyter-lab", path=str(root / ".venv" / "bin")) is None:
        pytest.fail("jupyterlab is not installed in .venv; run make lab")
    port, token = _free_port(), "loyaltylab-test"
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", "--allow-root",
         f"--ServerApp.root_dir={root}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
             "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")})
    try:
        url = f"http://127.0.0.1:{port}/api/contents/notebooks?token={token}"
        for _ in range(120):
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        assert "00_start_here.ipynb" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_core_runs_without_lifelines():
    # issue 23: lifelines (which caps pandas below 3) is an optional companion; the core runs
    # on the package's own numerics, and a feature that needs lifelines names the extra
    import subprocess
    import sys

    code = """
import sys
sys.modules["lifelines"] = None  # as if it were not installed
from loyaltylab import datasets, lapse
lib = datasets.load_library()
t = lapse.tenure_table(lib.members, lib.as_of)
curves = lapse.retention_curves(t, "tenure", "has_lapsed", by="member_type")
print(round(curves.compare().statistic, 3))
m = lapse.fit_lapse_model(t.data, "tenure", "has_lapsed", ["member_type"])
print(round(m.concordance, 4))
w = lapse.fit_lapse_model(t.data, "tenure", "has_lapsed", ["member_type"], model="weibull",
                          entry=None)
print(round(w.aic, 2))
print(w.predict_retention(t.data.head(2), [1.0, 2.0]).shape)
try:
    w.fitter
except ImportError as exc:
    print(exc)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert float(lines[0]) > 0 and 0.5 < float(lines[1]) < 1
    # the parametric models are the package's own too (issue 23); only lifelines' own
    # objects need lifelines, and say how to get it
    assert float(lines[2]) > 0 and lines[3] == "(2, 2)"
    assert "pip install 'loyaltylab[lifelines]'" in lines[4]


def test_every_test_file_runs_without_lifelines():
    # issue 23: the whole suite collects without lifelines (the pandas 3 cells of
    # make test-matrix); a comparison with lifelines imports it inside its test and skips
    import ast
    from pathlib import Path

    for path in sorted(Path(__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:  # module level only
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "lifelines" for n in names), (
                f"{path.name} imports lifelines at the top: import it inside the test, after "
                "pytest.importorskip('lifelines')")

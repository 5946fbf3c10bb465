"""nbval skips never-executed cells, so check the stored notebooks themselves."""

import json
import re
import subprocess
import sys

import nbformat
import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _code_cells(path):
    nb = json.loads(path.read_text())
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def test_there_are_notebooks():
    assert any(p.name == "00_start_here.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_top_to_bottom_without_errors(path):
    cells = _code_cells(path)
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: execution counts {counts}"
    for c in cells:
        for out in c["outputs"]:
            assert out["output_type"] != "error", f"{path.name}: stored error {out.get('ename')}"
            if out.get("name") == "stderr":
                pytest.fail(f"{path.name}: stderr output (a warning?): {''.join(out['text'])}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_starts_with_the_shared_setup_cell(path):
    first = "".join(_code_cells(path)[0]["source"])
    assert "notebook_setup(" in first


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ignored_outputs_say_why(path):
    for c in _code_cells(path):
        src = "".join(c["source"])
        if "NBVAL_IGNORE_OUTPUT" in src:
            line = next(x for x in src.splitlines() if "NBVAL_IGNORE_OUTPUT" in x)
            assert re.search(r"NBVAL_IGNORE_OUTPUT\s*[-:(].{10,}", line), (
                f"{path.name}: NBVAL_IGNORE_OUTPUT needs a reason on the same line")


def test_every_notebook_is_listed_in_start_here_and_readme():
    start = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text())
    start_text = "".join("".join(c["source"]) for c in start["cells"])
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"`{path.name}`" in start_text, f"{path.name} missing from 00_start_here"
        assert f"`{path.name}`" in readme, f"{path.name} missing from the README"


@pytest.mark.slow
def test_changing_one_stored_digit_fails_nbval(tmp_path):
    nb = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text())
    changed = False
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain") or out.get("text")
            if text and not changed:
                joined = "".join(text)
                m = re.search(r"\d", joined)
                if m:
                    d = m.group()
                    new = joined[:m.start()] + str((int(d) + 1) % 10) + joined[m.end():]
                    if "data" in out:
                        out["data"]["text/plain"] = new
                    else:
                        out["text"] = new
                    changed = True
        if changed:  # the cells after the changed one would only add time
            nb["cells"] = nb["cells"][:i + 1]
            break
    assert changed
    target = tmp_path / "mutated.ipynb"
    target.write_text(json.dumps(nb))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", str(target), "-p", "no:cacheprovider",
         "--nbval-sanitize-with", str(ROOT / "notebooks" / "sanitize.cfg"), "-q"],
        cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode != 0, run.stdout[-2000:]
    assert "failed" in run.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_are_hidden_but_executed(path):
    """Students see each exercise, not its solution: solution cells (and written answers)
    are collapsed in JupyterLab (cell metadata), yet stay executed and checked by nbval."""
    nb = nbformat.read(path, as_version=4)
    exercises = sum(c.source.count("**Exercise ") for c in nb.cells
                    if c.cell_type == "markdown")
    solutions = [c for c in nb.cells if c.cell_type == "code"
                 and c.source.lstrip().startswith("# Solution to exercise")]
    assert len(solutions) == exercises, f"{path.name}: every exercise needs a solution cell"
    for c in solutions:
        meta = c.metadata.get("jupyter", {})
        assert meta.get("source_hidden") and meta.get("outputs_hidden"), path.name
        assert "solution" in c.metadata.get("tags", []) and c.get("outputs"), path.name
    for c in nb.cells:
        if c.cell_type == "markdown" and c.source.lstrip().startswith("*Answer.*"):
            assert c.metadata.get("jupyter", {}).get("source_hidden"), path.name
            assert "**Exercise" not in c.source and "\n## " not in c.source, (
                f"{path.name}: a hidden answer must not hide the next exercise or section")


_NUMBER = re.compile(r"(?<![\w.$`-])(\d+\.\d+|\d+(?:\.\d+)?%|\d{1,3}(?:,\d{3})+)(?![\w`])")
_EXEMPT = "<!-- conventions and definitions, not findings: no check cell -->"


def _prose(text: str) -> str:
    # what a reader takes as a statement: not code, formulas, headings or cited years
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"\$[^$]*\$", "", text)
    text = re.sub(r"(?m)^#.*$", "", text)
    return re.sub(r"\([^()]*\d{4}[^()]*\)", "", text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_numbers_in_prose_are_checked_right_after(path):
    """Sentences are claims: a markdown cell that states a decimal number, a percentage or a
    count with thousands separators is followed, before the next markdown cell, by a code cell
    with an assert (exercise prompts and cells marked as conventions are exempt)."""
    unchecked = _unchecked_statements(path, _NUMBER)
    assert not unchecked, f"{path.name}: numbers without a check cell: {unchecked}"


def _unchecked_statements(path, pattern: re.Pattern) -> list[str]:
    """Markdown cells whose prose matches ``pattern`` with no assert in the code cells right
    after them (exercise prompts and cells marked as conventions are exempt)."""
    cells = nbformat.read(path, as_version=4).cells
    unchecked = []
    for i, c in enumerate(cells[1:], 1):
        if c.cell_type != "markdown" or _EXEMPT in c.source:
            continue
        text = _prose(c.source)
        match = pattern.search(text)
        if text.lstrip().startswith("**Exercise") or not match:
            continue
        j, checked = i + 1, False
        while j < len(cells) and cells[j].cell_type == "code":
            checked |= "assert" in cells[j].source
            j += 1
        if not checked:
            unchecked.append(f"cell {i}: {match.group(0)!r} in {c.source[:60]!r}")
    return unchecked


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checks_of_a_hidden_answer_are_hidden_too(path):
    """A visible check cell right after a hidden answer gives the answer away (issue 26:
    notebook 13's check named the branches the exercise asks for)."""
    cells = nbformat.read(path, as_version=4).cells
    for i, c in enumerate(cells[:-1]):
        if c.cell_type == "markdown" and c.source.lstrip().startswith("*Answer.*"):
            j = i + 1
            while j < len(cells) and cells[j].cell_type == "code":
                assert cells[j].metadata.get("jupyter", {}).get("source_hidden"), (
                    f"{path.name}: cell {j} checks a hidden answer in plain sight")
                j += 1


# comparative claims (issue 26): "equally", "the largest", "adds nothing", "no effect", "is the
# same" state an inference (a ranking, an equivalence, an absence) that needs its own check
_COMPARATIVE = re.compile(
    r"\b(equally|largest|longest|shortest|smallest|adds? nothing|no effect|no difference|"
    r"(?:is|are|was|were|stays?) (?:about |roughly |essentially )?the same)\b", re.I)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_comparative_claims_are_checked_right_after(path):
    """A markdown cell that ranks, equates or denies an effect is followed, before the next
    markdown cell, by a code cell with an assert (ideally through loyaltylab.claims)."""
    unchecked = _unchecked_statements(path, _COMPARATIVE)
    assert not unchecked, f"{path.name}: comparative claims without a check cell: {unchecked}"


def test_the_comparative_rule_catches_what_it_should():
    assert _COMPARATIVE.search("women and men stay equally long")
    assert _COMPARATIVE.search("the desk adds nothing once the journey is known")
    assert _COMPARATIVE.search("retention is about the same in both groups")
    assert not _COMPARATIVE.search("the same members answered both waves")

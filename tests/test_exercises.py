"""Exercises that teach (issue 26).

Every exercise of a training notebook has a check cell that computes the expected value
itself. So a student who never opens the hidden solution can run it: each notebook is run
here with its solution cells (and the cells that check the written answers) removed, and
every check cell fed the solution's answer, an expression kept in the cell's metadata
(``loyaltylab.answer``). Each check must then say "Right.". With no answer it says how to
answer (nbval compares that stored output).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from loyaltylab import check_answer

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = {"solution", "solution-check"}


def _is_check(cell) -> bool:
    return (cell.cell_type == "code"
            and re.search(r"check_answer\(\s*your_answer", cell.source) is not None)


def _exercise_notebooks() -> list[Path]:
    return sorted(p for p in (ROOT / "notebooks").glob("*.ipynb")
                  if "# Solution to exercise" in p.read_text(encoding="utf-8"))


NOTEBOOKS = _exercise_notebooks()


def _assigned(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # an IPython magic: no plain assignments to find
        return set()
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
    return out


def _loaded(source: str) -> set[str]:
    """Names a cell reads that it does not bind itself (assignments, arguments, imports)."""
    tree = ast.parse(source)
    bound = _assigned(source) | {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    bound |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
              if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    return {n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_every_exercise_has_a_check_that_does_not_use_the_solution(path):
    nb = nbformat.read(path, as_version=4)
    exercises = [c for c in nb.cells if c.cell_type == "markdown"
                 for _ in re.findall(r"\*\*Exercise \d+\.\*\*", c.source)]
    checks = [c for c in nb.cells if _is_check(c)]
    assert len(checks) == len(exercises) > 0, (len(checks), len(exercises))
    only_in_solutions = set().union(*(_assigned(c.source) for c in nb.cells
                                      if set(c.metadata.get("tags", [])) & HIDDEN))
    elsewhere = set().union(*(_assigned(c.source) for c in nb.cells if c.cell_type == "code"
                              and not set(c.metadata.get("tags", [])) & HIDDEN))
    for c in nb.cells:
        if c.cell_type != "code" or set(c.metadata.get("tags", [])) & HIDDEN:
            continue
        leaked = (_loaded(c.source) & only_in_solutions) - elsewhere
        assert not leaked, f"a visible cell uses {sorted(leaked)} from a solution:\n{c.source}"
    for c in checks:
        assert c.metadata.get("loyaltylab", {}).get("answer"), c.source
        assert "your_answer = None" in c.source
        assert c.source.index("check_answer(") > c.source.index("your_answer = None")
    assert all(_is_check(c) for c in checks)  # (the pattern is the one the runs look for)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem[:2])
def test_checks_run_without_the_solutions_and_accept_the_solution_answer(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    if any(".fitter" in c.source for c in nb.cells):  # lifelines' objects, shown for interop
        pytest.importorskip("lifelines")  # (an optional companion, issue 23)
    kept, checks = [], []
    for c in nb.cells:
        if set(c.metadata.get("tags", [])) & HIDDEN:
            continue
        if _is_check(c):
            answer = c.metadata["loyaltylab"]["answer"]
            c.source = c.source.replace("your_answer = None", f"your_answer = ({answer})", 1)
            checks.append(c)
        kept.append(c)
    nb.cells = kept
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for c in checks:
        said = "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
        assert said.strip() == "Right.", f"{c.source}\n-> {said}"


def test_check_answer_names_the_usual_slips(capsys):
    # a percentage for a share, the complement, the sign, a table for a number, near misses,
    # a slip the exercise names, and text answers
    cases = [(54.0, 0.54, {}, "percentage"), (0.46, 0.54, {}, "complement"),
             (-0.12, 0.12, {}, "wrong sign"), ([0.5, 0.6], 0.54, {}, "has 2 values"),
             (0.58, 0.54, {}, "order of magnitude"), (0.5435, 0.54, {}, "Close"),
             (0.61, 0.54, {0.61: "You ignored censoring."}, "ignored censoring"),
             ("abc", 0.54, {}, "asks for a number")]
    for answer, expected, hints, said in cases:
        assert check_answer(answer, expected, tol=0.001, hints=hints) is False
        assert said in capsys.readouterr().out, said
    assert check_answer(["0.54"], 0.54, tol=0.001) is True  # one value in a list is fine
    capsys.readouterr()
    assert check_answer(" east ", "East") is True
    assert check_answer("referral and switching", "switching and referral",
                        accept=["referral and switching"]) is True
    capsys.readouterr()
    assert check_answer("Central", "East", hints={"central": "Rates, not counts."}) is False
    assert "Rates, not counts." in capsys.readouterr().out
    assert check_answer(3, "East") is False
    assert "a name, in quotes" in capsys.readouterr().out

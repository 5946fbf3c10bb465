"""The house rules, checked on every public function: the signature convention, numpydoc
Parameters sections, results that carry their counts (never in ``DataFrame.attrs``), and
and results of tables accepted where frames are (every column renamed: test_renamed_columns)."""

import inspect
import pathlib
import re

import pandas as pd
import pytest

import loyaltylab
from loyaltylab import (
    claims,
    complaints,
    datasets,
    drivers,
    encounters,
    feedback,
    intake,
    journeys,
    lapse,
    metrics,
    plots,
    recovery,
    report,
    reviews,
    scales,
    schema,
    simulate,
)
from loyaltylab._results import Result

MODULES = [claims, complaints, datasets, drivers, encounters, feedback, intake, journeys, lapse,
           metrics, plots, recovery, report, reviews, scales, schema, simulate]
#: Data-frame parameters, in the one order they appear in when a function takes several.
FRAME_ORDER = ["members", "events", "survey", "complaints"]
FRAMES = {"data", "tenure", "summary", "profile", "table", "result", "effects", "reviews",
          *FRAME_ORDER}


def _public(module):
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if getattr(obj, "__module__", "").startswith("loyaltylab"):
            yield f"{module.__name__}.{name}", obj


FUNCTIONS = sorted({(n, f) for m in MODULES for n, f in _public(m)
                    if inspect.isfunction(f)}, key=lambda p: p[0])
CLASSES = sorted({(n, c) for m in MODULES for n, c in _public(m) if inspect.isclass(c)},
                 key=lambda p: p[0])
METHODS = [(f"{n}.{k}", v) for n, c in CLASSES for k, v in vars(c).items()
           if inspect.isfunction(v) and not k.startswith("_")]


def test_the_public_api_is_found():
    assert len(FUNCTIONS) > 60 and len(METHODS) > 30


@pytest.mark.parametrize(("name", "func"), FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_signature_convention(name, func):
    """Frames first (members, events, survey, complaints in that order), then column names,
    then keyword-only options; optional frames are keyword-only."""
    params = list(inspect.signature(func).parameters.values())
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    frames = [p.name for p in positional if p.name in FRAMES and p.default is p.empty]
    assert [p.name for p in positional[:len(frames)]] == frames or not frames, (
        f"{name}: data frames must come first")
    canon = [f for f in frames if f in FRAME_ORDER]
    assert canon == sorted(canon, key=FRAME_ORDER.index), f"{name}: frame order {canon}"
    if name.startswith("loyaltylab.plots."):
        assert "ax" in {p.name for p in params}, f"{name} must accept ax="
        return
    for p in positional:
        if p.default is p.empty:
            continue
        if "Path" in str(p.annotation):
            continue  # an export's optional tables, as files (read_koha's Koha tables)
        assert p.annotation in ("str", "str | None", "Sequence[str]"), (
            f"{name}: {p.name!r} has a default but is not a column name; make it "
            f"keyword-only (after *)")
    for p in params:
        if p.name in FRAMES | {"covariates"} and p.default is None:
            assert p.kind is p.KEYWORD_ONLY, f"{name}: optional frame {p.name!r} keyword-only"


def _interval_returning(func) -> bool:
    doc = inspect.getdoc(func) or ""
    returns = doc.split("Returns", 1)[-1] if "Returns" in doc else ""
    return bool(re.search(r"interval|ci_low", returns, re.IGNORECASE))


@pytest.mark.parametrize(("name", "func"), FUNCTIONS + METHODS,
                         ids=[n for n, _ in FUNCTIONS + METHODS])
def test_docstrings_have_parameters_and_returns(name, func):
    doc = inspect.getdoc(func) or ""
    params = [p for p in inspect.signature(func).parameters if p != "self"]
    if params:
        assert "Parameters\n----------" in doc, f"{name} lacks a numpydoc Parameters section"
        for p in params:
            assert re.search(rf"\b{p}\b", doc.split("Parameters", 1)[1]), (
                f"{name}: parameter {p!r} is not documented")
    if not name.startswith("loyaltylab.plots.") and "to_frame" not in name:
        assert "Returns\n-------" in doc or not params, f"{name} lacks a Returns section"
    if _interval_returning(func) and not name.startswith("loyaltylab.plots."):
        ci = inspect.signature(func).parameters.get("ci")
        assert ci is not None and ci.kind is ci.KEYWORD_ONLY, (
            f"{name} returns an interval: it needs a keyword-only ci=")


def test_no_results_in_dataframe_attrs():
    """pandas drops or deep-copies ``DataFrame.attrs``: counts live on result objects."""
    root = pathlib.Path(loyaltylab.__file__).parent
    hits = [f"{p.name}:{i}" for p in root.rglob("*.py")
            for i, line in enumerate(p.read_text().splitlines(), 1)
            if re.search(r"\.attrs(\[|\.update|\s*=)", line)]
    assert hits == []


def _unstable_sorts(source: str, where: str) -> list[str]:
    import ast

    hits = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("sort_values", "argsort")):
            continue
        if any(k.arg == "kind" for k in node.keywords):
            continue
        key = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "by"), None)
        if isinstance(key, ast.List | ast.Tuple) and len(key.elts) > 1:
            continue  # several keys: pandas sorts them with a stable lexsort
        hits.append(f"{where}:{node.lineno}")
    return hits


def test_sorts_that_can_meet_ties_are_stable():
    """numpy's default quicksort dispatches to SIMD code (AVX2, AVX-512) that orders tied keys
    differently on different CPUs; a tie order that reaches a result or a printed table
    then depends on the machine. Every single-key sort says kind="stable"."""
    import json

    root = pathlib.Path(loyaltylab.__file__).parent
    hits = [h for p in root.rglob("*.py") for h in _unstable_sorts(p.read_text(), p.name)]
    for nb in sorted((root.parent / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            if cell["cell_type"] == "code":
                src = "".join(cell["source"])
                src = "\n".join(line for line in src.splitlines()
                                if not line.lstrip().startswith(("%", "!")))
                hits += _unstable_sorts(src, f"{nb.name} cell {i}")
    assert hits == []


def _misplaced_pragmas(source: str, label: str) -> list[str]:
    """Where mutmut (3.8, ``make test-mutation``) would not read a ``# pragma: no mutate``:
    after the bracket that closes a statement begun on an earlier line (it then marks only the
    statement's first line), or on a ``def`` line (function headers are never read)."""
    import io
    import tokenize

    out, start = [], None
    toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for tok, nxt in zip(toks, toks[1:], strict=False):
        if start is None and tok.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT,
                                              tokenize.DEDENT, tokenize.NEWLINE):
            start = tok
        if tok.type == tokenize.COMMENT and "pragma: no mutate" in tok.string:
            if nxt.type == tokenize.NEWLINE and start is not None and (
                    start.start[0] < tok.start[0] or start.string in ("def", "async")):
                out.append(f"{label}:{tok.start[0]}")
        if tok.type == tokenize.NEWLINE:
            start = None
    return out


def test_no_mutate_pragmas_sit_where_mutmut_reads_them():
    # found when a marked line's mutant survived anyway: the pragma closing a call of several
    # lines covered only the call's first line. Inside the brackets, on the marked value's own
    # line (a trailing comma, the bracket on the next line), it covers that line
    root = pathlib.Path(loyaltylab.__file__).parent
    hits = [h for p in sorted(root.rglob("*.py"))
            for h in _misplaced_pragmas(p.read_text(), str(p.relative_to(root)))]
    assert hits == []
    assert _misplaced_pragmas("x = f(1,\n      2)  # pragma: no mutate\n", "s") == ["s:2"]
    assert _misplaced_pragmas("x = f(1,\n      2,  # pragma: no mutate\n)\n", "s") == []
    assert _misplaced_pragmas("x = f(1)  # pragma: no mutate\n", "s") == []
    assert _misplaced_pragmas("def f(a=1):  # pragma: no mutate\n    pass\n", "s") == ["s:1"]


def _frames_in(obj):
    if isinstance(obj, pd.DataFrame | pd.Series):
        yield obj
    elif isinstance(obj, Result):
        for v in vars(obj).values():
            yield from _frames_in(v)
    elif isinstance(obj, tuple | list):
        for v in obj:
            yield from _frames_in(v)


def test_results_are_frozen_with_counts_and_html(lib):
    t = lapse.tenure_table(lib.members, lib.as_of)
    results = [t, lapse.retention_curves(t, "tenure", "has_lapsed", by="member_type"),
               metrics.usage_summary(lib.members, lib.visits, lib.as_of),
               metrics.referring_promoters(lib.survey), scales.item_analysis(
                   lib.survey, scales.STANDARD_SCALES["switching"]),
               metrics.nps(lib.survey), complaints.delay_and_satisfaction(
                   lib.survey, lib.complaints,
                   scales.score(lib.survey, scales.STANDARD_SCALES["satisfaction"]))]
    for r in results:
        assert isinstance(r, Result)
        assert isinstance(r.to_frame(), pd.DataFrame) and isinstance(r.summary(), pd.DataFrame)
        assert "<table" in r._repr_html_() and r.counts
        with pytest.raises(AttributeError):
            r.n = 0  # frozen
        for frame in _frames_in(r):
            assert frame.attrs == {}

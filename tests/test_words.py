"""What every public function says at its door, word for word (issue #24).

For each function of the property table (tests/test_properties.py) and each table it reads,
the input is broken in the ways an export breaks it: the table passed as a list of records
or with no rows; one column missing; in a needed column one value missing, written as text,
negative, huge or fractional. What the function does is stored in
``tests/data/words.json``:

- a refusal: its exception type and its whole message (the table, the column, the purpose
  and the fix, as the user reads them);
- a result: its counts (rows used, and left out by reason, with the reasons' words) and the
  warnings the package gave.

The stored file is read, not trusted: every message in it was checked by eye when it was
written, and ``test_every_refusal_names_what_to_fix`` checks each one for a quoted column or
table and for a fix. A change of wording, of an exclusion reason or of a count shows up
here. After a deliberate change, rewrite the file with

    python -m tests.test_words

and read the diff before committing it. mutmut (``make test-mutation``) showed why this is
needed: the words and the reasons' keys were the commonest surviving mutants.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.test_properties import RECIPES, _frames

STORED = Path(__file__).parent / "data" / "words.json"


def _changes(d: pd.DataFrame, needed: list[str] | None, values: list[str] = ()):
    """(label, changed table) pairs: the table's form, each ``needed`` column removed (None:
    every column) and the value changes in the columns ``values``."""
    yield "as a list of records", d.to_dict("records")
    yield "with no rows", d.iloc[:0]
    for c in d.columns:
        if needed is None or c in needed:
            yield f"without {c!r}", d.drop(columns=[c])
    for c in values:
        col = d[c]
        yield f"{c!r} missing in row 0", _set(d, c, None)
        yield f"{c!r} = 'x' in row 0", _set(d, c, "x")
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            yield f"{c!r} = -1 in row 0", _set(d, c, -1)
            yield f"{c!r} = 1000.0 in row 0", _set(d, c, 1000.0)
            yield f"{c!r} = 0.5 in row 0", _set(d, c, 0.5)


def _set(d: pd.DataFrame, column: str, value) -> pd.DataFrame:
    out = d.copy()
    if value is None or isinstance(value, str) or isinstance(value, float) and not (
            pd.api.types.is_float_dtype(out[column])):
        out[column] = out[column].astype(object)
    out.loc[out.index[0], column] = value
    return out


def _outcome(call, args) -> dict:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call(*args)
        except Exception as exc:  # what it refuses with is the subject here
            return {"raises": type(exc).__name__, "message": str(exc)}
    # what the package says: its warnings are UserWarnings (or RuntimeWarnings of a fit) with
    # its words; where they point (stacklevel) is not checked, as mutmut's trampolines move it
    # (digits in a warning, such as a fit's iteration count, are not part of the words)
    said = sorted({re.sub(r"\d+", "#", str(w.message)) for w in caught
                   if issubclass(w.category, UserWarning | RuntimeWarning)
                   and not issubclass(w.category, DeprecationWarning | FutureWarning)})
    if isinstance(result, tuple):
        result = result[0]
    counts = dict(getattr(result, "counts", {}) or {})
    out: dict = {"counts": counts}
    if said:
        out["warnings"] = said
    return out


def _value_columns(d: pd.DataFrame, needed: list[str]) -> list[str]:
    """The columns the value changes are tried on: at most five of the needed ones, spread
    over the table (columns of one block, sat1 to sat3, pass the same check), or the first
    three numeric columns when no single column is needed."""
    if not needed:
        return [c for c in d.columns if pd.api.types.is_numeric_dtype(d[c])][:3]
    step = max(1, -(-len(needed) // 5))
    return needed[::step]


def _cases(frames):
    """Every (key, stored description, call, args), with the needed columns found by
    removing each column in turn."""
    for name, (tables, call) in sorted(RECIPES.items()):
        for k, t in enumerate(tables):
            d = frames[t]
            needed = [c for c in d.columns
                      if "raises" in _outcome(call, _replace(frames, tables, k,
                                                             d.drop(columns=[c])))]
            values = _value_columns(d, needed)
            yield f"{name} | {t}", {"needed": needed, "values": values}, None, None
            for label, changed in _changes(d, needed, values):
                yield f"{name} | {t} {label}", None, call, _replace(frames, tables, k, changed)


def _replace(frames, tables, k, changed):
    return [changed if j == k else frames[t] for j, t in enumerate(tables)]


def write() -> None:
    frames = _frames()
    out = {}
    for key, described, call, args in _cases(frames):
        out[key] = described if call is None else _outcome(call, args)
    STORED.write_text(json.dumps(out, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(out)} cases to {STORED}")


@pytest.fixture(scope="module")
def stored():
    return json.loads(STORED.read_text())


@pytest.fixture(scope="module")
def frames():
    return _frames()


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_the_words_at_the_door_are_as_stored(name, stored, frames):
    tables, call = RECIPES[name]
    keys = [k for k in stored if k.split(" | ")[0] == name]
    assert keys, f"{name} has no stored cases: run python -m tests.test_words"
    got = {}
    for k, t in enumerate(tables):
        table = stored[f"{name} | {t}"]
        for label, changed in _changes(frames[t], table["needed"], table["values"]):
            got[f"{name} | {t} {label}"] = _outcome(call, _replace(frames, tables, k, changed))
    want = {k: v for k, v in stored.items() if "values" not in v and k.split(" | ")[0] == name}
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key] == want[key], key


def test_the_stored_tables_are_those_of_the_recipes(stored, frames):
    # each table of each recipe is described (else the file is stale): the columns its
    # function cannot do without (each refused when missing) and those the values change in
    for name, (tables, _) in RECIPES.items():
        for t in tables:
            table = stored[f"{name} | {t}"]
            assert table["values"], f"{name}: no column of {t} to change"
            assert set(table["needed"]) | set(table["values"]) <= set(frames[t].columns)
            for c in table["needed"]:
                assert "raises" in stored[f"{name} | {t} without {c!r}"], (name, t, c)


def test_every_refusal_names_what_to_fix(stored):
    for key, v in stored.items():
        if "raises" not in v:
            continue
        assert v["raises"] in ("ValueError", "TypeError"), (key, v)
        msg = v["message"]
        # names a column, a table or a value in quotes, or the table by its name
        assert re.search(r"'[^']+'|\b[a-z_]+ (has|must|is)\b", msg), (key, msg)
        # and says what to do (or what it should be)
        assert re.search(r"\b(pass|give|use|rename|convert|drop|fill|build|check|set|add|"
                         r"remove|keep|record|correct|fix|must|should|need|needs|expected|map|code|export|say)\b",
                         msg, re.I), (key, msg)


def test_a_changed_word_is_caught(stored, frames, monkeypatch):
    # a planted change of wording (the purpose in capitals, as a mutant writes it) makes
    # the outcome differ from the stored one
    from loyaltylab import _validate

    real = _validate.columns
    monkeypatch.setattr(_validate, "columns", lambda data, names, purpose, name="data":
                        real(data, names, purpose.upper(), name))
    tables, call = RECIPES["nps"]
    key = "nps | survey without 'recommend'"
    got = _outcome(call, [frames["survey"].drop(columns=["recommend"])])
    assert got["raises"] == stored[key]["raises"] and got != stored[key]


if __name__ == "__main__":
    np.seterr(all="ignore")
    write()

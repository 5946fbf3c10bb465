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

from loyaltylab import lapse, metrics
from tests.test_properties import AS_OF, DIMS, RECIPES, S, _frames

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
    if value is None or isinstance(value, str | bool) or isinstance(value, float) and not (
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
    table = _table(result)
    if table is not None:  # its shape and its columns' names: a renamed key shows here
        out["table"] = f"{len(table)} rows: " + ", ".join(map(str, table.columns))
    if said:
        out["warnings"] = said
    return out


def _table(result) -> pd.DataFrame | None:
    if isinstance(result, pd.Series):
        return result.to_frame()
    if isinstance(result, pd.DataFrame):
        return result
    try:
        table = result.to_frame()
    except Exception:  # a result without a table (or one whose table needs more)
        return None
    return table if isinstance(table, pd.DataFrame) else None


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


#: The options of the functions of the mutated modules (schema, metrics, lapse.curves):
#: name -> label -> call on the tables. Each is stored as the recipes' cases are, so that a
#: message or a count that only an option reaches is held word for word too.
VARIANTS: dict[str, dict[str, object]] = {
    "retention_rate": {
        "basis activity without events": lambda f: metrics.retention_rate(
            f["members"], AS_OF, basis="activity"),
        "basis activity, events as records": lambda f: metrics.retention_rate(
            f["members"], AS_OF, basis="activity", events=f["visits"].to_dict("records")),
        "basis activity, events with no rows": lambda f: metrics.retention_rate(
            f["members"], AS_OF, basis="activity", events=f["visits"].iloc[:0]),
        "basis activity, events without 'date'": lambda f: metrics.retention_rate(
            f["members"], AS_OF, basis="activity", events=f["visits"].drop(columns="date")),
        "basis activity by year": lambda f: metrics.retention_rate(
            f["members"], AS_OF, basis="activity", events=f["visits"]),
        "basis activity by quarter": lambda f: metrics.retention_rate(
            f["members"], AS_OF, basis="activity", events=f["visits"], period="quarter"),
        "basis activity by month": lambda f: metrics.retention_rate(
            f["members"], AS_OF, basis="activity", events=f["visits"], period="month"),
        "by quarter": lambda f: metrics.retention_rate(f["members"], AS_OF, period="quarter"),
        "by cohort year": lambda f: metrics.retention_rate(f["members"], AS_OF,
                                                           cohort_period="year"),
        "basis 'x'": lambda f: metrics.retention_rate(f["members"], AS_OF, basis="x"),
        "period 'week'": lambda f: metrics.retention_rate(f["members"], AS_OF, period="week"),
        "ci 1.5": lambda f: metrics.retention_rate(f["members"], AS_OF, ci=1.5),
        "by a missing column": lambda f: metrics.retention_rate(f["members"], AS_OF,
                                                                by="region"),
    },
    "usage_summary": {
        "window_days None": lambda f: metrics.usage_summary(f["members"], f["visits"], AS_OF,
                                                            window_days=None),
        "window_days 0": lambda f: metrics.usage_summary(f["members"], f["visits"], AS_OF,
                                                         window_days=0),
        "window_days 30, by quarter": lambda f: metrics.usage_summary(
            f["members"], f["visits"], AS_OF, window_days=30, period="quarter"),
        "by year": lambda f: metrics.usage_summary(f["members"], f["visits"], AS_OF,
                                                   period="year"),
        "period 'week'": lambda f: metrics.usage_summary(f["members"], f["visits"], AS_OF,
                                                         period="week"),
    },
    "check_events": {
        "members as records": lambda f: metrics.check_events(
            f["members"].to_dict("records"), f["visits"], AS_OF),
    },
    "nps": {
        "method bootstrap": lambda f: metrics.nps(f["survey"], method="bootstrap", n_boot=200),
        "method 'x'": lambda f: metrics.nps(f["survey"], method="x"),
        "ci 0": lambda f: metrics.nps(f["survey"], ci=0),
        "bootstrap, n_boot 99": lambda f: metrics.nps(f["survey"], method="bootstrap",
                                                      n_boot=99),
    },
    "nps_by_group": {
        "method bootstrap": lambda f: metrics.nps_by_group(f["survey"], "wave",
                                                           method="bootstrap"),
    },
    "compare_nps": {
        "paired": lambda f: metrics.compare_nps(f["survey"], "wave", 1, 2,
                                                id_column="member_id"),
        "a group that is not there": lambda f: metrics.compare_nps(f["survey"], "wave", 1, 9),
    },
    "referring_promoters": {
        "min_referrals 2": lambda f: metrics.referring_promoters(f["survey"], min_referrals=2),
        "min_referrals 0": lambda f: metrics.referring_promoters(f["survey"], min_referrals=0),
        "ci 2": lambda f: metrics.referring_promoters(f["survey"], ci=2),
    },
    "top_box": {
        "top 1 of 1 to 7": lambda f: metrics.top_box(f["survey"], ["rel1", "rel2"], top=1,
                                                     high=7),
        "top 0": lambda f: metrics.top_box(f["survey"], ["rel1", "rel2"], top=0),
    },
    "satisfaction_index": {
        "weights estimated": lambda f: metrics.satisfaction_index(f["survey"],
                                                                  weights="estimated"),
        "weights 'x'": lambda f: metrics.satisfaction_index(f["survey"], weights="x"),
        "weights of an unknown item": lambda f: metrics.satisfaction_index(
            f["survey"], weights={"sat9": 1.0}),
    },
    "evangelists": {
        "by wave": lambda f: metrics.evangelists(f["visits"], f["survey1"], f["fb"]),
        "with recommend": lambda f: metrics.evangelists(f["visits"], f["survey1"], f["fb"],
                                                        wave=None, recommend="recommend"),
        "regular_per_year 0": lambda f: metrics.evangelists(
            f["visits"], f["survey1"], f["fb"], wave=None, regular_per_year=0),
        "window_days 30": lambda f: metrics.evangelists(f["visits"], f["survey1"], f["fb"],
                                                        wave=None, window_days=30),
        **{f"recommend {v!r} in row 0": (lambda f, v=v: metrics.evangelists(
            f["visits"], _set(f["survey1"], "recommend", v), f["fb"], wave=None,
            recommend="recommend")) for v in (11, -1, 2.5, True, "x")},
    },
    "loyalty_profile": {
        "without a wave column": lambda f: metrics.loyalty_profile(
            f["members"], f["visits"], f["survey"], AS_OF, wave=None),
        "window_days 90": lambda f: metrics.loyalty_profile(
            f["members"], f["visits"], f["survey"], AS_OF, window_days=90),
        "scales without switching": lambda f: metrics.loyalty_profile(
            f["members"], f["visits"], f["survey"], AS_OF,
            scales={"satisfaction": S}),
    },
    "service_gaps": {
        "ci 1": lambda f: metrics.service_gaps(f["enc_survey"], DIMS, ci=1),
        "a missing item": lambda f: metrics.service_gaps(f["enc_survey"], {"x": ["lq_zz"]}),
    },
    "retention_curves": {
        "conf_type plain": lambda f: lapse.retention_curves(
            f["tenure"], "tenure", "has_lapsed", conf_type="plain"),
        "conf_type 'x'": lambda f: lapse.retention_curves(
            f["tenure"], "tenure", "has_lapsed", conf_type="x"),
        "horizons -1": lambda f: lapse.retention_curves(
            f["tenure"], "tenure", "has_lapsed", horizons=[-1]),
    },
    "cohort_table": {
        "by quarter": lambda f: lapse.cohort_table(f["members"], AS_OF, period="quarter"),
        "period 'x'": lambda f: lapse.cohort_table(f["members"], AS_OF, period="x"),
    },
}


def _variant_cases(frames):
    for name, variants in sorted(VARIANTS.items()):
        for label, call in sorted(variants.items()):
            yield f"{name} || {label}", call


def _replace(frames, tables, k, changed):
    return [changed if j == k else frames[t] for j, t in enumerate(tables)]


def write() -> None:
    frames = _frames()
    out = {}
    for key, described, call, args in _cases(frames):
        out[key] = described if call is None else _outcome(call, args)
    for key, call in _variant_cases(frames):
        out[key] = _outcome(call, [frames])
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
    want = {k: v for k, v in stored.items() if "values" not in v and " || " not in k
            and k.split(" | ")[0] == name}
    assert sorted(got) == sorted(want)
    for key in want:
        assert got[key] == want[key], key


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_words_of_the_options_are_as_stored(name, stored, frames):
    got = {key: _outcome(call, [frames]) for key, call in _variant_cases(frames)
           if key.split(" || ")[0] == name}
    want = {k: v for k, v in stored.items() if k.split(" || ")[0] == name and " || " in k}
    assert sorted(got) == sorted(want), "run python -m tests.test_words"
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

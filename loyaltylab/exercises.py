"""Check-your-answer cells for the training modules' exercises.

A check cell computes the expected value itself (never from a variable the hidden solution
defines), so it runs whether or not the solution cell ran, and says more than "wrong": the
usual slips of an exercise (a percentage for a share, the complement, the sign, a table where
one number was asked, a value off by rounding, and any mistake the exercise names in
``hints``, such as ignoring censoring) each get their own message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["check_answer"]


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _close(a: float, b: float, tol: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=tol)


def _diagnose(x: float, expected: float, tol: float,
              hints: Mapping[float, str]) -> str:
    """The most specific explanation of a wrong number."""
    for value, message in hints.items():
        if _close(x, float(value), tol):
            return message
    if expected != 0 and _close(x, expected * 100, tol * 100):
        return "That looks like a percentage: give the share as a number between 0 and 1."
    if expected != 0 and _close(x * 100, expected, tol):
        return "That looks like a share: this answer is in percent (or points)."
    if 0 <= expected <= 1 and _close(x, 1 - expected, tol):
        return ("That is the complement: you computed the share of the other group (e.g. "
                "lapsed instead of still a member).")
    if expected != 0 and _close(x, -expected, tol):
        return "Right size, wrong sign: check which group is subtracted from which."
    if tol > 0 and _close(x, expected, 10 * tol):
        return "Close, but outside the tolerance: check the rounding and the exact filter."
    if expected != 0 and 0.5 < x / expected < 2:
        return ("The right order of magnitude, but not the value: check which rows you kept "
                "(the group, the period, the horizon).")
    return "Not yet: re-read the question and compare your steps with the solution."


def check_answer(answer: object, expected: object, *, tol: float = 0.0,
                 hints: Mapping[object, str] | None = None,
                 accept: Sequence[str] = ()) -> bool | None:
    """Compare a student's answer with the expected one and say so in plain words.

    Parameters
    ----------
    answer : number, str or None
        The student's answer; None (not answered yet) prints how to use the cell. A
        one-element Series, array or list counts as its element.
    expected : number or str
        The value the exercise asks for, computed inside the check cell.
    tol : float
        Largest accepted absolute difference for numbers (e.g. 0.005 for a share to two
        decimals).
    hints : mapping, optional
        Wrong answers the exercise expects (value -> what went wrong), e.g. the value one
        gets by ignoring censoring. Numbers match within ``tol``; names ignore case.
    accept : sequence of str
        Other spellings accepted for a text answer (case and surrounding blanks never
        matter).

    Returns
    -------
    bool or None
        Whether the answer is right; None when there is no answer yet.

    Examples
    --------
    >>> check_answer(0.54, 0.5403, tol=0.005)
    Right.
    True
    >>> check_answer(54.0, 0.5403, tol=0.005)
    Not yet. That looks like a percentage: give the share as a number between 0 and 1.
    False
    >>> check_answer(None, 0.5403)
    Put your answer in `your_answer` above and run this cell again.
    """
    if answer is None:
        print("Put your answer in `your_answer` above and run this cell again.")
        return None
    if isinstance(expected, str):
        allowed = {str(expected).strip().lower(), *(a.strip().lower() for a in accept)}
        ok = isinstance(answer, str) and answer.strip().lower() in allowed
        known = {str(k).strip().lower(): m for k, m in dict(hints or {}).items()}
        if ok:
            print("Right.")
        elif not isinstance(answer, str):
            print("Not yet. This exercise asks for a name, in quotes (e.g. \"East\").")
        elif answer.strip().lower() in known:
            print(f"Not yet. {known[answer.strip().lower()]}")
        else:
            print("Not yet. Check the spelling, or compare your steps with the solution.")
        return ok
    arr = np.asarray(answer, dtype=object) if not isinstance(answer, str) else None
    if arr is not None and arr.ndim > 0:
        if arr.size != 1:
            print(f"Not yet. This exercise asks for one number; your answer has {arr.size} "
                  "values (pick the one asked for, e.g. with .loc[...] or .iloc[0]).")
            return False
        answer = arr.reshape(-1)[0]
    x, e = _number(answer), _number(expected)
    if e is None:
        raise ValueError(f"expected must be a finite number or a text, got {expected!r}")
    if x is None:
        print(f"Not yet. This exercise asks for a number; your answer is {answer!r}.")
        return False
    ok = _close(x, e, tol)
    print("Right." if ok else f"Not yet. {_diagnose(x, e, tol, dict(hints or {}))}")
    return ok

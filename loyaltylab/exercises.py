"""Check-your-answer cells for the training modules' exercises."""

from __future__ import annotations

import math


def check_answer(answer: object, expected: object, *, tol: float = 0.0) -> bool | None:
    """Compare a student's answer with the expected one and say so in plain words.

    Parameters
    ----------
    answer : number, str or None
        The student's answer; None (not answered yet) prints how to use the cell.
    expected : number or str
        The value the exercise asks for (computed by the hidden solution above the cell).
    tol : float
        Largest accepted absolute difference for numbers (e.g. 0.005 for a share to two
        decimals).

    Returns
    -------
    bool or None
        Whether the answer is right; None when there is no answer yet.

    Examples
    --------
    >>> check_answer(0.54, 0.5403, tol=0.005)
    Right.
    True
    >>> check_answer(None, 0.5403)
    Put your answer in `your_answer` above and run this cell again.
    """
    if answer is None:
        print("Put your answer in `your_answer` above and run this cell again.")
        return None
    if isinstance(expected, str) or isinstance(answer, str):
        ok = str(answer).strip().lower() == str(expected).strip().lower()
    else:
        try:
            ok = math.isclose(float(answer), float(expected), rel_tol=0.0, abs_tol=tol)
        except (TypeError, ValueError):
            ok = False
    if ok:
        print("Right.")
    else:
        print("Not yet: compare your steps with the solution (unhide the cell above).")
    return ok

"""A structural model in plain data: blocks of items per construct and paths between constructs.

Checked at the door: an unknown construct, a construct without items, an item in two blocks,
a repeated or self path, a construct outside the inner model and a cycle are refused with
a message that says what to change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

_MODES = ("A", "B")


@dataclass(frozen=True, repr=False)
class PathModel:
    """Constructs measured by blocks of items, and the paths between them.

    Build it with :func:`path_model`. Constructs are kept in causal order (every construct
    after the ones that point to it).

    Attributes
    ----------
    blocks : dict
        ``{construct: (item, ...)}``.
    paths : tuple of (str, str)
        ``(from, to)`` pairs.
    modes : dict
        ``{construct: "A" | "B"}``: reflective (mode A, items reflect the construct) or
        formative (mode B, items form it).
    """

    blocks: Mapping[str, tuple[str, ...]]
    paths: tuple[tuple[str, str], ...]
    modes: Mapping[str, str]

    @property
    def constructs(self) -> tuple[str, ...]:
        """Constructs in causal order."""
        return tuple(self.blocks)

    @property
    def items(self) -> tuple[str, ...]:
        """All items, block after block."""
        return tuple(i for b in self.blocks.values() for i in b)

    @property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs with at least one path pointing to them."""
        targets = {t for _, t in self.paths}
        return tuple(c for c in self.constructs if c in targets)

    def predecessors(self, construct: str) -> tuple[str, ...]:
        """Constructs with a path to ``construct``, in causal order."""
        src = {f for f, t in self.paths if t == construct}
        return tuple(c for c in self.constructs if c in src)

    def _adjacency(self) -> np.ndarray:
        # D[i, j] = 1 when construct i points to construct j
        pos = {c: k for k, c in enumerate(self.constructs)}
        d = np.zeros((len(pos), len(pos)))
        for f, t in self.paths:
            d[pos[f], pos[t]] = 1.0
        return d

    def _mask(self) -> np.ndarray:
        # M[k, j] = 1 when item k belongs to construct j
        m = np.zeros((len(self.items), len(self.blocks)))
        k = 0
        for j, b in enumerate(self.blocks.values()):
            m[k:k + len(b), j] = 1.0
            k += len(b)
        return m

    def __repr__(self) -> str:
        lines = [f"PathModel: {len(self.blocks)} constructs, {len(self.items)} items, "
                 f"{len(self.paths)} paths"]
        for c, b in self.blocks.items():
            lines.append(f"  {c} (mode {self.modes[c]}): {', '.join(b)}")
        lines.append("  paths: " + ", ".join(f"{f} -> {t}" for f, t in self.paths))
        return "\n".join(lines)


def _causal_order(constructs: list[str], paths: list[tuple[str, str]]) -> list[str]:
    # Kahn's algorithm; what is left over lies on a cycle
    indeg = {c: 0 for c in constructs}
    for _, t in paths:
        indeg[t] += 1
    order, ready = [], [c for c in constructs if indeg[c] == 0]
    while ready:
        c = ready.pop(0)
        order.append(c)
        for f, t in paths:
            if f == c:
                indeg[t] -= 1
                if indeg[t] == 0:
                    ready.append(t)
    if len(order) < len(constructs):
        left = [c for c in constructs if c not in order]
        cycle = [f"{f} -> {t}" for f, t in paths if f in left and t in left]
        raise ValueError(
            f"the paths form a cycle among {left} ({', '.join(cycle)}); PLS path models are "
            f"recursive: remove or reverse one of these paths")
    return order


def path_model(blocks: Mapping[str, Iterable[str]], paths: Iterable[tuple[str, str]],
               modes: Mapping[str, str] | None = None) -> PathModel:
    """Describe a structural model: which items measure which construct, and the paths.

    Parameters
    ----------
    blocks : dict
        ``{construct: [item, ...]}``, one entry per construct (a list of column names).
    paths : list of (str, str)
        ``(from, to)``: construct ``from`` is modelled as a cause of ``to``.
    modes : dict, optional
        ``{construct: "A" | "B"}``; constructs not named are reflective (mode A).

    Returns
    -------
    PathModel

    Examples
    --------
    >>> m = path_model({"quality": ["q1", "q2"], "loyalty": ["l1", "l2"]},
    ...                [("quality", "loyalty")])
    >>> m.endogenous
    ('loyalty',)
    """
    if not isinstance(blocks, Mapping) or not blocks:
        raise ValueError("blocks must be a non-empty dict {construct: [item, ...]}")
    clean: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for c, items in blocks.items():
        if isinstance(items, str):
            items = [items]
        items = tuple(items)
        if not items:
            raise ValueError(f"construct {c!r} has no items; give it at least one column "
                             f"in blocks, or drop it from the model")
        for i in items:
            if not isinstance(i, str):
                raise TypeError(f"item {i!r} of construct {c!r} is not a column name")
            if i in owner:
                raise ValueError(f"item {i!r} is in the blocks of both {owner[i]!r} and {c!r}; "
                                 f"each item measures one construct")
            owner[i] = c
        if len(set(items)) < len(items):
            raise ValueError(f"construct {c!r} lists an item twice: {list(items)}")
        clean[c] = items
    plist: list[tuple[str, str]] = []
    for p in paths:
        if not (isinstance(p, tuple | list) and len(p) == 2):
            raise ValueError(f"each path must be a pair (from, to), got {p!r}")
        f, t = p
        for c in (f, t):
            if c not in clean:
                raise ValueError(f"path {f!r} -> {t!r} names construct {c!r}, which has no "
                                 f"block; constructs: {list(clean)}")
        if f == t:
            raise ValueError(f"path {f!r} -> {t!r} points a construct at itself; remove it")
        if (f, t) in plist:
            raise ValueError(f"path {f!r} -> {t!r} is listed twice")
        if (t, f) in plist:
            raise ValueError(f"paths {f!r} -> {t!r} and {t!r} -> {f!r} form a cycle; "
                             f"PLS path models are recursive: keep one direction")
        plist.append((f, t))
    if not plist:
        raise ValueError("the model has no paths; give at least one (from, to) pair")
    linked = {c for p in plist for c in p}
    alone = [c for c in clean if c not in linked]
    if alone:
        raise ValueError(f"construct(s) {alone} are in no path; PLS estimates a construct "
                         f"from its neighbours, so connect them or drop them")
    modes = dict(modes or {})
    unknown = [c for c in modes if c not in clean]
    if unknown:
        raise ValueError(f"modes names construct(s) {unknown} that have no block")
    for c, mode in modes.items():
        if mode not in _MODES:
            raise ValueError(f"mode of {c!r} must be 'A' (reflective) or 'B' (formative), "
                             f"got {mode!r}")
    order = _causal_order(list(clean), plist)
    return PathModel(blocks={c: clean[c] for c in order},
                     paths=tuple(plist),
                     modes={c: modes.get(c, "A") for c in order})


#: The ECSI model of the mobile-phone survey (``datasets.load_ecsi("mobi")``), as in
#: Tenenhaus et al. (2005) and the R package semPLS (``ECSImobi``).
ECSI_MOBI = path_model(
    {"Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
     "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
     "Quality": ["PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"],
     "Value": ["PERV1", "PERV2"],
     "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
     "Complaints": ["CUSCO"],
     "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]},
    [("Image", "Expectation"), ("Expectation", "Quality"), ("Expectation", "Value"),
     ("Quality", "Value"), ("Image", "Satisfaction"), ("Expectation", "Satisfaction"),
     ("Quality", "Satisfaction"), ("Value", "Satisfaction"), ("Satisfaction", "Complaints"),
     ("Image", "Loyalty"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")])

#: The satisfaction model of the bank survey (``datasets.load_ecsi("bank")``), as in
#: Sanchez (2013), *PLS Path Modeling with R*, chapter on the satisfaction data.
ECSI_BANK = path_model(
    {"Image": [f"imag{i}" for i in range(1, 6)],
     "Expectation": [f"expe{i}" for i in range(1, 6)],
     "Quality": [f"qual{i}" for i in range(1, 6)],
     "Value": [f"val{i}" for i in range(1, 5)],
     "Satisfaction": [f"sat{i}" for i in range(1, 5)],
     "Loyalty": [f"loy{i}" for i in range(1, 5)]},
    [("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
     ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
     ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
     ("Satisfaction", "Loyalty")])

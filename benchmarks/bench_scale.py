"""The scale notebook (notebooks/19_research_scale.ipynb) at full size: a million members and
about fifty million events, every check cell included.

The notebook is stored at 200,000 members so that strict nbval re-runs it in seconds; here
it runs in a fresh kernel (in memory, the stored file is not touched) with ``n = 1_000_000``,
and the time of each step it prints is reported. No baseline: this shows that the whole path
(generation, Parquet, DuckDB summary, BG/NBD, Cox) holds at that size and how long it takes.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "19_research_scale.ipynb"
STORED_SIZE = "n = 200_000"


def main(n: int = 1_000_000) -> dict[str, float]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and STORED_SIZE in c.source]
    if len(cells) != 1:
        raise RuntimeError(f"{NOTEBOOK.name}: expected one cell with {STORED_SIZE!r}")
    cells[0].source = cells[0].source.replace(STORED_SIZE, f"n = {n:_}")
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    total = time.perf_counter() - t0
    out = {"notebook_seconds": total}
    for c in nb.cells:
        for o in c.get("outputs", []):
            for line in o.get("text", "").splitlines():
                m = re.search(r"(.*) in ([0-9.]+) s$", line)
                if m:
                    print(f"  {line}")
                    out[m.group(1).strip()] = float(m.group(2))
    print(f"scale notebook at {n:,} members, every check cell passing: {total:.0f} s in all")
    return out


if __name__ == "__main__":
    main()

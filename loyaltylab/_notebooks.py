"""Re-execute notebooks in place, top to bottom in a fresh kernel (``make notebooks``).

Usage: ``python -m loyaltylab._notebooks notebooks [name-fragment ...]``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def execute(path: Path, timeout: int = 600) -> float:
    """Execute one notebook in place in a fresh kernel; return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # volatile metadata would make diffs noisy
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else Path("notebooks")
    wanted = argv[1:]
    paths = sorted(p for p in folder.glob("*.ipynb")
                   if not wanted or any(w in p.name for w in wanted))
    for p in paths:
        print(f"executing {p} ...", flush=True)
        print(f"  done in {execute(p):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

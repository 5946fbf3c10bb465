"""Run every benchmark (``make benchmarks``); each prints its ratio against a named baseline."""

import importlib
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
for path in sorted(pathlib.Path(__file__).parent.glob("bench_*.py")):
    print(f"== {path.stem}")
    importlib.import_module(path.stem).main()

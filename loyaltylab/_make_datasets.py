"""Regenerate the shipped simulated library: ``python -m loyaltylab._make_datasets datasets``."""

from __future__ import annotations

import argparse
from pathlib import Path

from loyaltylab.simulate import SHIPPED, library, write


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", help="the datasets folder; writes <root>/library")
    args = parser.parse_args(argv)
    lib = library(**SHIPPED, progress=False)
    write(lib, Path(args.root) / "library")
    print(lib)


if __name__ == "__main__":
    main()

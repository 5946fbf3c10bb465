"""The ``loyaltylab`` command (also ``python -m loyaltylab``).

``loyaltylab report SPEC.toml --out report.html`` writes an HTML report on the data the spec
describes; ``loyaltylab intake SPEC.toml`` prints the intake report only (what reading the
files did), to check a spec before the full report.
"""

from __future__ import annotations

import argparse
import sys

_DATA_ERRORS = (ValueError, TypeError, FileNotFoundError, KeyError)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="loyaltylab", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("report", help="write an HTML report on the data a spec describes")
    r.add_argument("spec", help="the TOML spec naming files, columns and formats")
    r.add_argument("--out", default="report.html", help="HTML file to write (report.html)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    i = sub.add_parser("intake", help="read the data a spec describes and print what reading "
                                      "did")
    i.add_argument("spec", help="the TOML spec")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad spec or data, 1 failure).

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
    """
    args = _parser().parse_args(argv)
    from loyaltylab.intake import read_spec
    from loyaltylab.report import ReportError, write_report

    try:
        if args.command == "intake":
            lib = read_spec(args.spec)
            print(lib)
            print(lib.intake)
            return 0
        out = write_report(args.spec, args.out, progress=not args.no_progress)
    except _DATA_ERRORS as err:
        print(f"loyaltylab {args.command}: the spec or the data need fixing; no report was "
              f"written.\n{type(err).__name__}: {err}", file=sys.stderr)
        return 2
    except ReportError as err:
        print(f"loyaltylab report: {err}\nno report was written.", file=sys.stderr)
        return 1
    print(f"report written to {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

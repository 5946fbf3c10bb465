"""A report on a library's own data in one command.

``python -m loyaltylab report SPEC.toml --out report.html`` (or the ``loyaltylab`` console
script) reads the data the spec describes (:func:`loyaltylab.intake.read_spec`), executes the
parameterised report notebook shipped inside the package (``loyaltylab/_report/report.ipynb``)
with nbclient, the Jupyter project's notebook executor (papermill's own engine), and writes a
self-contained HTML file: code hidden, figures embedded as data, no file fetched from the web.

The spec and the data are read once before the notebook runs, so a broken spec or a bad date
column stops the command with the intake message and writes nothing. The HTML is written to a
temporary file next to ``out`` and moved into place only when complete.
"""

from __future__ import annotations

import html
import logging
import os
import re
import sys
import tempfile
from pathlib import Path

from loyaltylab.intake import read_spec

__all__ = ["ReportError", "write_report"]

_NOTEBOOK = Path(__file__).resolve().parent / "_report" / "report.ipynb"


class ReportError(RuntimeError):
    """The report notebook failed while running (the spec and the data were read)."""


def _inject(nb, spec: Path) -> None:
    """Put the spec path in a cell after the one tagged ``parameters`` (papermill's
    convention, so the notebook also runs by hand with its default parameters)."""
    import nbformat

    at = next((i for i, c in enumerate(nb.cells)
               if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if at is None:
        raise ReportError("the report notebook has no cell tagged 'parameters'")
    cell = nbformat.v4.new_code_cell(f"# injected by loyaltylab report\nSPEC = {str(spec)!r}")
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(at + 1, cell)


def _self_contained(body: str) -> str:
    """Drop every script (nbconvert's template loads MathJax and mermaid from a CDN): the
    report has no formulas, diagrams or widgets, and must open offline exactly as written."""
    return re.sub(r"<script\b.*?</script>", "", body, flags=re.DOTALL | re.IGNORECASE)


_NO_ALT = 'alt="No description has been provided for this image"'


def _alt_texts(nb, body: str) -> str:
    """Give every figure the description its cell carries (``metadata.alt``): nbconvert's
    lab template writes no alt text, only a placeholder, which a screen reader reads out."""
    alts = [c.metadata.get("alt", "Figure") for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    parts = body.split(_NO_ALT)
    if len(parts) - 1 != len(alts):  # not the layout expected: leave nbconvert's text
        return body
    out = [parts[0]]
    for alt, rest in zip(alts, parts[1:], strict=True):
        out.append(f'alt="{html.escape(alt, quote=True)}"' + rest)
    return "".join(out)


def write_report(spec: str | Path, out: str | Path, *, progress: bool = True,
                 timeout: int = 900) -> Path:
    """Execute the report notebook on the data a spec describes and write it as HTML.

    Parameters
    ----------
    spec : str or Path
        The TOML spec (see :func:`loyaltylab.intake.read_spec`).
    out : str or Path
        Where to write the HTML report.
    progress : bool
        Show a progress bar (one step per notebook cell) on stderr.
    timeout : int
        Seconds any one cell may take.

    Returns
    -------
    pathlib.Path
        ``out``, written only when the whole report succeeded.

    Examples
    --------
    >>> from loyaltylab.datasets import data_path
    >>> write_report(data_path("koha_example", "spec.toml"), "report.html",
    ...              progress=False)  # doctest: +SKIP
    PosixPath('report.html')
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbconvert import HTMLExporter
    from tqdm.auto import tqdm

    spec = Path(spec).resolve()
    out = Path(out)
    lib = read_spec(spec)  # errors in the spec or the data stop here, before any output
    nb = nbformat.read(_NOTEBOOK, as_version=4)
    _inject(nb, spec)
    n_code = sum(c.cell_type == "code" for c in nb.cells)
    bar = tqdm(total=n_code, desc=f"report on {lib.name}", unit="cell", disable=not progress,
               file=sys.stderr)

    def _step(**_):
        bar.update(1)

    env = {"MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONHASHSEED": "0"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    # The kernel talks to this process over local sockets in a private folder (IPC), not
    # over TCP: nothing listens on the network, and ipykernel has no unencrypted-TCP warning
    # to print on every run (issue 25). Windows has no IPC sockets: TCP there.
    sockets = tempfile.TemporaryDirectory(prefix="loyaltylab-report-")
    km = None
    if os.name == "posix":
        from jupyter_client.manager import KernelManager

        km = KernelManager(kernel_name="python3", transport="ipc",
                           ip=os.path.join(sockets.name, "kernel"))
    try:
        NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(spec.parent)}},
                       on_cell_executed=_step).execute()
    except CellExecutionError as err:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # no terminal colours in the message
        raise ReportError(f"the report failed while running:\n{text}") from None
    finally:
        if km is not None and km.has_kernel:
            km.shutdown_kernel(now=False)
        sockets.cleanup()
        bar.close()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    exporter = HTMLExporter(template_name="lab", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.log.setLevel(logging.ERROR)  # its missing-alt warning: _alt_texts gives them
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {
        "name": f"Loyalty report: {lib.name}"}})
    body = _alt_texts(nb, _self_contained(body))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes the file private; a report is not
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out

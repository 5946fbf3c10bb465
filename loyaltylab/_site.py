"""Build the course site (``make site``): a static HTML book of every notebook, from the
outputs stored in the notebooks (nothing is re-executed), with the README as landing page.

Usage: ``python -m loyaltylab._site [OUT]`` (default ``build/site``); the pages are in
``OUT/_build/html``. Jupyter Book 1 (Sphinx, MyST-NB) renders the book; this module only
stages its sources: the table of contents in the README's order (start, training modules,
research notebooks), exercise solutions collapsed on the page as they are in JupyterLab, and
the check cells (asserts under each sentence, run by nbval) left off the page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PARTS = {"start": "Start here", "training": "Training modules",
         "research": "Research notebooks"}

CONFIG = """\
title: "loyaltylab: user loyalty in libraries"
author: loyaltylab developers
copyright: ""
only_build_toc_files: true
execute:
  execute_notebooks: "off"
html:
  home_page_in_navbar: true
  use_repository_button: false
sphinx:
  extra_extensions: ["sphinx-mathjax-offline"]
  config:
    html_show_copyright: false
    suppress_warnings: ["myst.header"]
    mathjax_path: "mathjax/tex-chtml.js"
    html_context: {default_mode: "auto"}
"""


def notebook_order(readme: str) -> list[tuple[str, str]]:
    """(kind, notebook file) in the order of the README's notebook table."""
    rows = re.findall(r"^\| `(\d\d_[^`]+\.ipynb)` \| (\w+) \|", readme, flags=re.M)
    return [(kind, name) for name, kind in rows]


def _is_check(cell) -> bool:
    """A code cell that only checks: it asserts something and shows nothing."""
    return (cell.cell_type == "code" and not cell.get("outputs")
            and re.search(r"(?m)^\s*assert\b", cell.source) is not None)


def _hide_solutions(nb) -> None:
    # JupyterLab collapses cells by metadata; MyST-NB collapses them by tags
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("jupyter", {})
        if cell.cell_type == "markdown":
            if meta.get("source_hidden", False):  # a written answer: a toggle on the page
                cell.source = "````{toggle}\n" + cell.source + "\n````"
            continue
        tags = set(cell.get("metadata", {}).get("tags", []))
        if _is_check(cell):
            # a check cell tests the sentence above it for nbval; a reader of the page
            # needs the sentence, not its test (issue 26: they showed on student pages)
            cell.setdefault("metadata", {})["tags"] = sorted(tags | {"remove-cell"})
            continue
        src, out = meta.get("source_hidden", False), meta.get("outputs_hidden", False)
        if src and out:
            tags.add("hide-cell")
        elif src:
            tags.add("hide-input")
        elif out:
            tags.add("hide-output")
        if tags:
            cell.setdefault("metadata", {})["tags"] = sorted(tags)


def stage(src: Path, root: Path = ROOT) -> list[str]:
    """Write the book's sources into ``src``; returns the notebook files in order."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    readme = (root / "README.md").read_text()
    order = notebook_order(readme)
    on_disk = sorted(p.name for p in (root / "notebooks").glob("*.ipynb"))
    missing = sorted(set(on_disk) - {n for _, n in order})
    if missing:
        raise ValueError(f"notebooks not in the README's table (so not in the site): {missing}")
    (src / "intro.md").write_text(readme)
    for _, name in order:
        nb = nbformat.read(root / "notebooks" / name, as_version=4)
        _hide_solutions(nb)
        nbformat.write(nb, src / name)
    (src / "_config.yml").write_text(CONFIG)
    toc = ["format: jb-book", "root: intro", "parts:"]
    for kind, caption in PARTS.items():
        files = [n for k, n in order if k == kind]
        if files:
            toc += [f"- caption: {caption}", "  chapters:"]
            toc += [f"  - file: {n[:-len('.ipynb')]}" for n in files]
    (src / "_toc.yml").write_text("\n".join(toc) + "\n")
    return [n for _, n in order]


def build(out: Path, root: Path = ROOT) -> Path:
    """Stage and build the site; returns the folder with the HTML pages."""
    src = out / "src"
    stage(src, root)
    exe = Path(sys.executable).parent / "jupyter-book"
    subprocess.run([str(exe), "build", str(src), "--path-output", str(out), "--quiet",
                    "--warningiserror", "--keep-going"], check=True)
    html = out / "_build" / "html"
    for page in html.glob("*.html"):
        page.write_text(_once(page.read_text(encoding="utf-8")), encoding="utf-8")
    return html


_INLINE = re.compile(r"[ \t]*<script>[^<]*</script>\n?")


def _once(page: str) -> str:
    """Keep the first of identical inline scripts. Jupyter Book 1 registers sphinx-thebe's
    and sphinx-togglebutton's settings twice, and the second ``const THEBE_JS_URL`` is a
    SyntaxError in the browser console of every page (found by ``make test-browser``)."""
    seen: set[str] = set()

    def first(m: re.Match) -> str:
        key = m.group(0).strip()
        if key in seen:
            return ""
        seen.add(key)
        return m.group(0)

    return _INLINE.sub(first, page)


if __name__ == "__main__":
    html = build(Path(sys.argv[1] if len(sys.argv) > 1 else "build/site"))
    print(f"course site: {html / 'index.html'}")

"""The course site (``make site``): every notebook becomes a page with its figures, in the
README's order, solutions collapsed, no broken internal link. Built from the stored outputs
with Jupyter Book (no notebook is executed), in about ten seconds."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest

from loyaltylab import _site

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.images = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "script", "link") and (a.get("src") or a.get("href")):
            (self.images if tag == "img" else self.links).append(a.get("src") or a["href"])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return _site.build(tmp_path_factory.mktemp("site"))


def _parse(page: Path) -> _Links:
    p = _Links()
    p.feed(page.read_text())
    return p


def test_every_notebook_has_a_page_with_its_figures(site):
    for nb_path in NOTEBOOKS:
        page = site / f"{nb_path.stem}.html"
        assert page.exists(), f"no page for {nb_path.name}"
        nb = json.loads(nb_path.read_text())
        n_fig = sum("image/png" in o.get("data", {}) for c in nb["cells"]
                    if c["cell_type"] == "code" for o in c.get("outputs", []))
        imgs = [s for s in _parse(page).images if "_images/" in s]
        assert len(imgs) >= n_fig, f"{page.name}: {len(imgs)} images for {n_fig} figures"
        for src in imgs:
            assert (page.parent / unquote(src)).exists(), f"{page.name}: missing {src}"
        text = page.read_text()
        assert "Learning goals" in text, f"{page.name} has no learning goals"


def test_navigation_follows_the_readme_and_starts_at_the_readme(site):
    order = [n for _, n in _site.notebook_order((ROOT / "README.md").read_text())]
    index = (site / "intro.html").read_text()
    assert "Analyse your own library" in index  # the README is the landing page
    nav = re.findall(r'href="(\d\d_[^"#]+)\.html"', index)
    seen = list(dict.fromkeys(nav))
    assert seen == [n[:-len(".ipynb")] for n in order]
    for caption in _site.PARTS.values():
        assert caption in index


def test_no_broken_internal_links(site):
    broken = []
    for page in site.glob("*.html"):
        for href in _parse(page).links:
            u = urlparse(href)
            if u.scheme or href.startswith(("#", "mailto:", "data:")) or not u.path:
                continue
            if not (page.parent / unquote(u.path)).exists():
                broken.append(f"{page.name} -> {href}")
    assert not broken, broken[:10]


def test_solutions_are_collapsed_on_the_page(site):
    hidden = 0
    for nb_path in NOTEBOOKS:
        nb = nbformat.read(nb_path, as_version=4)
        hid = [c for c in nb.cells
               if c.get("metadata", {}).get("jupyter", {}).get("source_hidden", False)
               and not _site._is_check(c)]
        code = sum(c["cell_type"] == "code" for c in hid)
        text = (site / f"{nb_path.stem}.html").read_text()
        assert text.count("tag_hide-") >= code, nb_path.name
        assert text.count('class="toggle docutils container"') >= len(hid) - code, nb_path.name
        hidden += len(hid)
    assert hidden > 10


def test_a_notebook_missing_from_the_readme_is_refused(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "99_new.ipynb").write_text(
        (ROOT / "notebooks" / "00_start_here.ipynb").read_text())
    (tmp_path / "README.md").write_text("| `00_start_here.ipynb` | start | x |\n")
    with pytest.raises(ValueError, match="99_new.ipynb"):
        _site.stage(tmp_path / "src", tmp_path)


def test_check_cells_are_left_off_the_pages(site):
    # the asserts under each sentence run in nbval, not on the student's page; code the
    # reader is meant to see (cells with output) keeps its asserts
    checks = 0
    for nb_path in NOTEBOOKS:
        nb = nbformat.read(nb_path, as_version=4)
        shown = sum(len(re.findall(r"(?m)^\s*assert\b", c.source)) for c in nb.cells
                    if c.cell_type == "code" and not _site._is_check(c))
        checks += sum(_site._is_check(c) for c in nb.cells)
        page = (site / f"{nb_path.stem}.html").read_text()
        assert page.count('<span class="k">assert</span>') == shown, nb_path.name
    assert checks > 100


def test_pages_load_no_external_script_and_typeset_math_offline(site):
    # issue 26: MathJax came from a CDN, so formulas stayed raw LaTeX offline. Now a copy of
    # MathJax ships with the site (sphinx-mathjax-offline); no page loads a script or a
    # stylesheet from elsewhere
    with_math = 0
    for page in sorted(site.glob("*.html")):
        html = page.read_text()
        refs = re.findall(r'<(?:script|link)\\b[^>]*\\b(?:src|href)="([^"]+)"', html)
        external = [r for r in refs if urlparse(r).scheme in ("http", "https")
                    and not r.startswith(("https://github.com",))]
        assert not external, f"{page.name} loads {external}"
        if "_static/mathjax/tex-chtml.js" in html:
            with_math += 1
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert with_math >= 10  # the pages with formulas load the local MathJax


def test_identical_inline_scripts_are_kept_once():
    # Jupyter Book 1 wrote sphinx-thebe's `const THEBE_JS_URL = ...` twice on every page: a
    # SyntaxError in the console (found in headless Chromium by make test-browser)
    from loyaltylab._site import _once

    page = ("<head>\n    <script>const A = 1;</script>\n    <script src='x.js'></script>\n"
            "    <script>var b = 2;</script>\n    <script>const A = 1;</script>\n</head>")
    out = _once(page)
    assert out.count("const A = 1") == 1 and "var b = 2" in out and "x.js" in out

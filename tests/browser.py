"""Open the example reports and a few course-site pages in a real headless browser.

``make test-browser`` (not part of ``make test``: it needs Debian's Chromium, which the target
installs with apt when it is missing). For each page, Chromium is driven over its DevTools
protocol (through tornado's websocket client, already installed with Jupyter) and the page
fails when

- the console shows an error or the page throws,
- anything is fetched from outside the page (a network request that is not ``file:``,
  ``data:``, ``blob:`` or ``about:``): reports and the site must open offline,
- an image did not load (``complete`` and a natural width), or has no alt text,
- a page with formulas shows raw TeX instead of typeset math (MathJax containers counted).

A full-page screenshot of each page goes to ``build/browser/``. Before the real pages, a
control page with a broken image, an external script and a console error must fail all three
checks, so a pass means the checks can see what they look for.

Usage: ``python tests/browser.py [OUT_DIR]``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ("file:", "data:", "blob:", "about:", "chrome-error:")


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("no Chromium found: apt-get install chromium (make test-browser does this)")


class Page:
    """One DevTools session on one tab."""

    def __init__(self, ws) -> None:
        self.ws, self.n, self.events = ws, 0, []

    async def call(self, method: str, **params):
        self.n += 1
        me = self.n
        await self.ws.write_message(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            msg = json.loads(await self.ws.read_message())
            if msg.get("id") == me:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    async def wait_for(self, method: str, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {method} within {timeout} s")
            msg = await asyncio.wait_for(self.ws.read_message(), left)
            self.events.append(json.loads(msg))

    async def evaluate(self, expression: str):
        out = await self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                              returnByValue=True)
        return out.get("result", {}).get("value")


async def _check(port: int, url: str, shot: Path, math: bool) -> list[str]:
    from tornado.websocket import websocket_connect

    req = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(req, timeout=10) as r:
        target = json.load(r)
    ws = await websocket_connect(target["webSocketDebuggerUrl"], max_message_size=2**30)
    page = Page(ws)
    for domain in ("Page", "Runtime", "Log", "Network"):
        await page.call(f"{domain}.enable")
    nav = await page.call("Page.navigate", url=url)
    if nav.get("errorText"):
        ws.close()
        return [f"page did not open: {nav['errorText']}"]
    await page.wait_for("Page.loadEventFired")
    if math:  # MathJax typesets after load: wait for it to finish
        await page.evaluate("window.MathJax && MathJax.startup ? MathJax.startup.promise : 0")
    await asyncio.sleep(0.5)
    problems = []
    images = await page.evaluate(
        "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, "
        "i.getAttribute('alt') || '', i.src.slice(0, 60)])")
    for ok, alt, src in images:
        if not ok:
            problems.append(f"image not loaded: {src}")
        if not alt.strip() or alt.startswith("No description"):
            problems.append(f"image without alt text: {src}")
    if math:
        typeset = await page.evaluate("document.querySelectorAll('mjx-container').length")
        raw = await page.evaluate("(document.body.innerText.match(/\\\\\\(|\\$\\$/g) || [])"
                                  ".length")
        if not typeset:
            problems.append("no formula typeset (MathJax did not run)")
        if raw:
            problems.append(f"{raw} formula(s) left as raw TeX")
    metrics = await page.call("Page.getLayoutMetrics")
    size = metrics["cssContentSize"]
    shotdata = await page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                               clip={"x": 0, "y": 0, "width": size["width"],
                                     "height": min(size["height"], 16000), "scale": 1})
    shot.write_bytes(base64.b64decode(shotdata["data"]))
    for e in page.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            problems.append(f"exception: {d.get('text', '')} "
                            f"{d.get('exception', {}).get('description', '')[:300]} "
                            f"({d.get('url', '')[-60:]}:{d.get('lineNumber')})")
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            problems.append(f"console error: {args[:200]}")
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            problems.append(f"console error: {p['entry']['text'][:200]}")
        elif m == "Network.requestWillBeSent":
            u = p["request"]["url"]
            if not u.startswith(LOCAL):
                problems.append(f"external request: {u[:120]}")
    ws.close()
    return problems


def _control_page(folder: Path) -> Path:
    page = folder / "control.html"
    page.write_text("<!doctype html><html><body><p>control</p>"
                    "<img src='missing.png' alt='x'>"
                    "<script src='https://cdn.example.invalid/x.js'></script>"
                    "<script>console.error('planted')</script></body></html>")
    return page


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from loyaltylab import datasets
    from loyaltylab.report import write_report

    pages: list[tuple[str, Path, bool]] = []
    for name in ("koha_example", "generic_example"):
        html = out / f"report_{name}.html"
        print(f">> writing the report on {name}", flush=True)
        write_report(datasets.data_path(name, "spec.toml"), html, progress=False)
        pages.append((f"report {name}", html, False))
    site = out / "site"
    print(">> building the course site", flush=True)
    subprocess.run([sys.executable, "-m", "loyaltylab._site", str(site)], check=True,
                   stdout=subprocess.DEVNULL)
    book = site / "_build" / "html"
    for rel, math in (("index.html", False), ("04_referral_and_nps.html", True),
                      ("07_membership_lapse_curves.html", False)):
        if not (book / rel).exists():
            sys.exit(f"the site has no page {rel}: update tests/browser.py")
        pages.append((f"site {rel}", book / rel, math))
    browser = _browser()
    profile = tempfile.mkdtemp(prefix="loyaltylab-browser-")
    args = [browser, "--headless=new", "--disable-gpu", "--remote-debugging-port=0",
            f"--user-data-dir={profile}", "--no-first-run", "--window-size=1280,900",
            "about:blank"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to sandbox as root (containers)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    failed = 0
    try:
        port_file = Path(profile) / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        control = asyncio.run(_check(port, _control_page(out).as_uri(), out / "control.png",
                                     False))
        kinds = {"image not loaded", "external request", "console error"}
        seen = {p.split(":")[0] for p in control}
        if not kinds <= seen:
            print(f"FAIL the checks missed {sorted(kinds - seen)} on the control page")
            return 1
        print(f"ok   control page fails as it must ({len(control)} problems found)")
        for name, path, math in pages:
            shot = out / (path.stem + ".png")
            problems = asyncio.run(_check(port, path.resolve().as_uri(), shot, math))
            status = "ok  " if not problems else "FAIL"
            failed += bool(problems)
            print(f"{status} {name} (screenshot {shot})")
            for p in problems:
                print(f"       {p}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "browser"))

"""Mermaid blocks of a Markdown report drawn as GitHub draws them: mermaid.js 11 in Chromium.

Any report mlci writes (PR report, monitor report, sweep leaderboard) is checked the same way,
with the session fixture `mermaid` (tests/conftest.py):

    def test_my_report_draws(mermaid: MermaidBrowser) -> None:
        drawn = mermaid.draw(markdown, "monitor")   # every block, in both themes, screenshots
        assert len(drawn) == 2 * EXPECTED_CHARTS
        assert problems(drawn) == []                # errors, missing series, low contrast

GitHub shows a block with mermaid's `default` theme in light mode and `dark` in dark mode; a
plotted line's stroke (a bar's fill) must have a contrast of at least 3:1 with GitHub's page
and with the chart's own background. Screenshots (one PNG per chart and theme) go to
$MLCI_TEST_ARTIFACTS/mermaid when that is set, else to a pytest temp directory; the session
prints where. Needs Debian `chromium` and npm `mermaid@11` in .ci/node (scripts/test installs
both) and the Python package `playwright` (the `test` extra; it drives the system Chromium and
downloads no browser).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.commands import REPO_ROOT
from support.contrast import MINIMUM, contrast

MERMAID_JS = REPO_ROOT / ".ci" / "node" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
THEMES = {"default": "#ffffff", "dark": "#0d1117"}  # mermaid theme -> GitHub's page background
ARTIFACTS = os.environ.get("MLCI_TEST_ARTIFACTS")  # read before conftest clears MLCI_*
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# the series statements of an xychart: one plotted group (line-plot-N / bar-plot-N) each
SERIES = re.compile(r"^\s*(line|bar)\b", re.MULTILINE)

DRAW_JS = """async ([blocks, theme, background]) => {
  document.body.style.background = background;
  document.body.innerHTML = "";
  mermaid.initialize({startOnLoad: false, theme: theme, securityLevel: "strict"});
  const out = [];
  for (const [i, code] of blocks.entries()) {
    const box = document.createElement("div");
    box.id = "chart-" + i;
    box.style.cssText = "width: 700px; padding: 12px; background: " + background;
    document.body.appendChild(box);
    let error = null;
    try {
      const {svg} = await mermaid.render("svg-" + i, code);
      box.innerHTML = svg;
    } catch (e) {
      error = String(e && e.message || e);
    }
    const paint = (el, prop) => getComputedStyle(el)[prop];
    const bg = box.querySelector("svg rect.background");
    const failed = box.querySelector("svg[aria-roledescription=error]");
    out.push({
      error: error || (failed ? "mermaid drew its error diagram" : null),
      background: bg ? paint(bg, "fill") : null,
      lines: [...box.querySelectorAll("g[class^=line-plot-] path")].map(p => paint(p, "stroke")),
      bars: [...box.querySelectorAll("g[class^=bar-plot-] rect")].map(r => paint(r, "fill")),
      groups: box.querySelectorAll("g[class^=line-plot-], g[class^=bar-plot-]").length,
    });
  }
  return out;
}"""


@dataclass(frozen=True)
class Drawn:
    """One Mermaid block as Chromium drew it in one theme."""

    name: str  # the report's name, for messages and file names
    index: int  # the block's position in the report
    theme: str
    source: str
    error: str | None
    background: str | None  # the chart's own background fill, as CSS computes it
    lines: tuple[str, ...]  # stroke of every plotted line
    bars: tuple[str, ...]  # fill of every bar
    groups: int  # plotted series found in the SVG
    screenshot: Path

    @property
    def label(self) -> str:
        return f"{self.name} block {self.index} ({self.theme}, {self.screenshot.name})"


def mermaid_blocks(markdown: str) -> list[str]:
    """The text of every fenced `mermaid` block, in order (a `> ` quote prefix is removed)."""
    blocks, current = [], None
    for raw in markdown.splitlines():
        line = re.sub(r"^> ?", "", raw)
        if current is None and line.strip() == "```mermaid":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


class MermaidBrowser:
    """One headless Chromium with mermaid.js loaded; `draw` renders reports into it."""

    def __init__(self, out_dir: Path) -> None:
        from playwright.sync_api import sync_playwright

        if not MERMAID_JS.is_file():
            raise FileNotFoundError(f"{MERMAID_JS} missing: run scripts/test (npm mermaid@11)")
        self.out_dir = out_dir
        self._playwright = sync_playwright().start()
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        self._browser = self._playwright.chromium.launch(executable_path=chromium,
                                                         args=CHROMIUM_ARGS)
        self._page = self._browser.new_page(viewport={"width": 760, "height": 600})
        self._page.route("**/*", lambda route: route.abort())  # loopback only: nothing at all
        self._page.set_content("<!doctype html><html><body></body></html>")
        self._page.add_script_tag(path=str(MERMAID_JS))

    def draw(self, markdown: str, name: str) -> list[Drawn]:
        """Every Mermaid block of `markdown` in each theme, each saved as a PNG."""
        blocks = mermaid_blocks(markdown)
        return [drawn for theme in THEMES for drawn in self._draw(blocks, name, theme)]

    def _draw(self, blocks: list[str], name: str, theme: str) -> list[Drawn]:
        found: list[dict[str, Any]] = self._page.evaluate(DRAW_JS,
                                                          [blocks, theme, THEMES[theme]])
        drawn = []
        for i, (code, result) in enumerate(zip(blocks, found, strict=True)):
            png = self.out_dir / f"{name}-{i:02d}-{theme}.png"
            self._page.locator(f"#chart-{i}").screenshot(path=str(png))
            drawn.append(Drawn(name, i, theme, code, result["error"], result["background"],
                               tuple(result["lines"]), tuple(result["bars"]),
                               result["groups"], png))
        return drawn

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()


def problems(drawn: list[Drawn]) -> list[str]:
    """What a reader would miss: render errors, series not drawn, colours under 3:1."""
    found = []
    for chart in drawn:
        if chart.error:
            found.append(f"{chart.label}: {chart.error}")
            continue
        expected = len(SERIES.findall(chart.source))
        if chart.groups != expected or not chart.lines + chart.bars:
            found.append(f"{chart.label}: {chart.groups} series drawn, {expected} declared")
        found += _contrast_problems(chart)
    return found


def _contrast_problems(chart: Drawn) -> list[str]:
    backgrounds = {"GitHub's page": THEMES[chart.theme]}
    if chart.background and chart.background not in ("none", "rgba(0, 0, 0, 0)"):
        backgrounds["the chart's background"] = chart.background
    return [f"{chart.label}: {what} {paint} has contrast {contrast(paint, bg):.2f} on {where} "
            f"{bg} (needs {MINIMUM:g})"
            for what, paints in (("line", chart.lines), ("bar", chart.bars))
            for paint in sorted(set(paints)) for where, bg in backgrounds.items()
            if contrast(paint, bg) < MINIMUM]

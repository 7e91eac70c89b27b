"""WCAG 2 contrast between two colours (written from the spec, independent of mlci's code)."""

from __future__ import annotations

import re

MINIMUM = 3.0  # WCAG 2.1 SC 1.4.11: graphical objects need 3:1 against what is next to them
# GitHub's page backgrounds (light, dark) and mermaid's own dark-theme chart background
GITHUB_LIGHT, GITHUB_DARK, MERMAID_DARK = "#ffffff", "#0d1117", "#333333"


def rgb(colour: str) -> tuple[int, int, int]:
    """`#rrggbb`, `#rgb` or a CSS `rgb(r, g, b)` / `rgba(r, g, b, 1)` as three 0-255 ints."""
    text = colour.strip().lower()
    if match := re.fullmatch(r"#([0-9a-f]{3}|[0-9a-f]{6})", text):
        digits = match[1] if len(match[1]) == 6 else "".join(c * 2 for c in match[1])
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    if match := re.fullmatch(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*1(?:\.0*)?)?\)", text):
        return int(match[1]), int(match[2]), int(match[3])
    raise ValueError(f"not an opaque colour: {colour!r}")


def luminance(colour: str) -> float:
    """WCAG relative luminance: sRGB channels linearised, weighted 0.2126/0.7152/0.0722."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in (v / 255 for v in rgb(colour))]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance over the darker's."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)

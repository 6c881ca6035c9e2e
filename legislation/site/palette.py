"""The colours of `static/legislation/tokens.css`, for the SVG map drawn in Python.

tokens.css is the one home of the palette: the pages read it as CSS custom properties and the
map reads the same values here, so a colour changed there changes on pages and map alike.
"""

import re
from functools import cache
from pathlib import Path

TOKENS_CSS = Path(__file__).resolve().parents[2] / "static" / "legislation" / "tokens.css"
_TOKEN_RE = re.compile(r"--([a-z0-9-]+):\s*([^;]+);")


@cache
def tokens():
    """Every custom property in tokens.css, name (without "--") → value."""
    text = re.sub(r"/\*.*?\*/", "", TOKENS_CSS.read_text(encoding="utf-8"), flags=re.S)
    return {name: value.strip() for name, value in _TOKEN_RE.findall(text)}


def colour(name):
    """A colour token, e.g. colour("map-met") → "#1b7837"; a missing token is an error."""
    return tokens()[name]

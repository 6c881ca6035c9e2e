"""The world map's one inline style rule, and its hash for the Content-Security-Policy.

The map is inline SVG (so it is styled and read like the page), and its hover and focus rule
travels with it into pages and PDFs. The policy allows exactly this rule by its hash rather
than any inline style. No Django import here: settings read it.
"""

import base64
import hashlib

SVG_STYLE = (
    ".map-link:focus path,.map-link:focus circle,.map-link:hover path,.map-link:hover circle"
    "{stroke:#000;stroke-width:1.5}"
)


def csp_source():
    digest = hashlib.sha256(SVG_STYLE.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"

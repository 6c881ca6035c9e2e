"""Server-rendered SVG world map, shaded by status (no JavaScript, prints, no DB access).

Geometry is ``legislation/data/world_map.json``, built from Natural Earth (public domain)
by ``tools/build_world_map.py``; keys are 3-digit ISO 3166-1 numeric codes, with "XK"
for Kosovo.  Every shade can carry a texture (hatch, dots, cross) as well as a colour, so
the map still reads in greyscale and for colour-blind readers; the legend repeats colour,
texture and text.

Textures are drawn as vector lines clipped to the countries, not as SVG <pattern> fills:
Chromium's print-to-PDF rasterises pattern fills at 72 dpi, which blurs a fine texture
into a flat tint and so loses exactly what a greyscale print needs.

Usage::

    shades = [MapShade("met", "✔ met", "#1b7837", "none"),
              MapShade("not-met", "✘ not met", "#d6604d", "hatch")]
    html = render_world_map(shades, {"702": ("not-met", "Singapore: not met", "/c/SG/")},
                            title="ICMEC criterion 2", description="…")
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from legislation.site.cache import kept_in_memory
from legislation.site.map_style import SVG_STYLE
from legislation.site.palette import colour

ASSET_PATH = Path(__file__).resolve().parent.parent / "data" / "world_map.json"

# Countries without data (grey, no texture, no link) and the map frame (ocean, light enough
# to print): colours from tokens.css, like every shade.
NEUTRAL_FILL = colour("map-nodata")
OUTLINE_FILL = colour("map-ocean")
STROKE = "#fff"
STROKE_WIDTH = "0.4"
MARKER_RADIUS = "2.6"  # circles for states too small to see at this scale
PATTERNS = ("none", "hatch", "dots", "cross")
SPACING = 4.0  # distance between texture lines, in map units (the viewBox is 1000 wide)

_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEX_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")

# Kept inside the <svg> so the map works without the site CSS.
_SVG_STYLE = SVG_STYLE


@dataclass(frozen=True)
class MapShade:
    """One legend entry: a status shown by colour, texture and text."""

    key: str  # css-safe key, e.g. "met", "not-met", "n4"
    label: str  # legend text, e.g. "✔ met"
    fill: str  # colour
    pattern: str | None = None  # "hatch", "dots", "cross", "none" or None

    def __post_init__(self) -> None:
        if not _KEY_RE.match(self.key):
            raise ValueError(f"MapShade key must be css-safe ([a-z0-9_-]), not {self.key!r}")
        if self.pattern not in (None, *PATTERNS):
            raise ValueError(f"MapShade pattern must be one of {PATTERNS}, not {self.pattern!r}")

    @property
    def has_pattern(self) -> bool:
        return self.pattern not in (None, "none")


@cache
def load_world_map() -> dict:
    """The committed geometry asset, read once per process."""
    return json.loads(ASSET_PATH.read_text(encoding="utf-8"))


def _ink(fill: str) -> str:
    """Texture colour that shows on ``fill``: dark on light fills, light on dark ones."""
    if not _HEX_RE.match(fill):
        return "#000"
    h = fill[1:]
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _diagonals(width: float, height: float, rising: bool) -> str:
    """Path data of 45° lines SPACING apart covering a width x height box."""
    step = SPACING * math.sqrt(2)
    count = math.ceil((width + height) / step) + 1
    parts = []
    for i in range(count):
        c = i * step - height
        if rising:  # from bottom-left up to top-right
            parts.append(f"M{_n(c)} {_n(height)}l{_n(height)}-{_n(height)}")
        else:
            parts.append(f"M{_n(c)} 0l{_n(height)} {_n(height)}")
    return "".join(parts)


def _texture(shade: MapShade, width: float, height: float) -> SafeString:
    """The shade's texture as vector strokes over a width x height box (unclipped)."""
    ink = _ink(shade.fill)
    if shade.pattern == "hatch":
        return format_html(
            '<path d="{}" stroke="{}" stroke-width="1" stroke-opacity=".6" fill="none"/>',
            _diagonals(width, height, rising=False),
            ink,
        )
    if shade.pattern == "cross":
        d = _diagonals(width, height, rising=False) + _diagonals(width, height, rising=True)
        return format_html(
            '<path d="{}" stroke="{}" stroke-width=".6" stroke-opacity=".65" fill="none"/>',
            d,
            ink,
        )
    # dots: zero-length dashes with round caps along staggered rows
    rows = math.ceil(height / SPACING) + 1
    even = "".join(f"M0 {_n(r * SPACING)}h{_n(width)}" for r in range(0, rows, 2))
    odd = "".join(f"M0 {_n(r * SPACING)}h{_n(width)}" for r in range(1, rows, 2))
    dots = 'stroke="{}" stroke-width="1.8" stroke-linecap="round" stroke-dasharray="0 {}" '
    return format_html(
        '<path d="{}" ' + dots + 'stroke-opacity=".7" fill="none"/>'
        '<path d="{}" ' + dots + 'stroke-dashoffset="{}" stroke-opacity=".7" fill="none"/>',
        even,
        ink,
        _n(SPACING),
        odd,
        ink,
        _n(SPACING),
        _n(SPACING / 2),
    )


def _link(href: str, body: SafeString) -> SafeString:
    if href:
        return format_html('<a class="map-link" href="{}">{}</a>', href, body)
    return body


def _shape(css: str, dom_id: str, d: str, fill: str, label: str) -> SafeString:
    return format_html(
        '<path id="{}" class="{}" d="{}" fill="{}" fill-rule="evenodd" clip-rule="evenodd" '
        'stroke="{}" stroke-width="{}"><title>{}</title></path>',
        dom_id,
        css,
        d,
        fill,
        STROKE,
        STROKE_WIDTH,
        label,
    )


def _legend_item(shade: MapShade | None, label: str) -> SafeString:
    key = shade.key if shade else "nodata"
    pattern = (shade.pattern or "none") if shade else "none"
    fill = shade.fill if shade else NEUTRAL_FILL
    texture = _texture(shade, 18, 12) if shade and shade.has_pattern else ""
    return format_html(
        '<li class="map-legend-item shade-{}" data-pattern="{}">'
        '<svg class="map-swatch" width="18" height="12" viewBox="0 0 18 12" aria-hidden="true" '
        'focusable="false"><rect width="18" height="12" fill="{}"/>{}'
        '<rect x=".5" y=".5" width="17" height="11" fill="none" stroke="#555"/></svg> {}</li>',
        key,
        pattern,
        fill,
        texture,
        label,
    )


def _join(items: list) -> SafeString:
    # conditional_escape leaves the (already safe) shapes as they are; format_html_join
    # would format each of a few hundred again.
    return mark_safe("".join(conditional_escape(item) for item in items))  # noqa: S308


def _check_map_input(shades, countries, id_prefix):
    """{shade key: MapShade}, after refusing ids, keys or countries the map cannot draw."""
    if not _KEY_RE.match(id_prefix):
        raise ValueError(f"id_prefix must be css-safe, not {id_prefix!r}")
    by_key = {shade.key: shade for shade in shades}
    if len(by_key) != len(shades):
        raise ValueError("MapShade keys must be unique")
    unknown = {key for key, _, _ in countries.values()} - set(by_key)
    if unknown:
        raise ValueError(f"countries use shades not in the legend: {sorted(unknown)}")
    return by_key


@dataclass
class _Layers:
    shapes: list  # layer 1: every outline, linked unless it has a marker
    markers: list  # layer 3: circles for small shaded states, linked
    clip_shapes: dict  # shade key → ids of its outlines (for its texture)
    clip_markers: dict  # shade key → ids of its circles


def _country_layers(geo, countries, by_key, p):
    """Outlines and circles of every country, shaded and linked as `countries` says."""
    layers = _Layers([], [], {k: [] for k in by_key}, {k: [] for k in by_key})
    for code, geom in geo["countries"].items():
        if code not in countries:
            if geom["d"]:
                layers.shapes.append(_drawn_country(p, code, None, None, None, None)[0])
            continue
        key, label, href = countries[code]
        shape, marker = _drawn_country(p, code, key, label, href, by_key[key].fill)
        if shape is not None:
            layers.shapes.append(shape)
            layers.clip_shapes[key].append(f"{p}-c-{code}")
        if marker is not None:
            layers.markers.append(marker)
            layers.clip_markers[key].append(f"{p}-m-{code}")
    for geom in geo["others"]:
        layers.shapes.append(
            format_html(
                '<path class="map-country map-nodata" d="{}" fill="{}" fill-rule="evenodd" '
                'stroke="{}" stroke-width="{}"><title>{}</title></path>',
                geom["d"],
                NEUTRAL_FILL,
                STROKE,
                STROKE_WIDTH,
                geom["name"],
            )
        )
    return layers


@kept_in_memory
@lru_cache(maxsize=4096)  # a map is 238 of them: every shade of every country, and more
def _drawn_country(p, code, key, label, href, fill):
    """(outline or None, circle or None) of one country as shaded, titled and linked: kept
    per process by exactly what they show, so a map after a change draws again only the
    countries whose shade, label or link changed (drawing all of them escapes ~800 values).
    `key` None: a country outside the data, grey, unlinked, titled with its map name."""
    geom = load_world_map()["countries"][code]
    if key is None:
        return _shape("map-country map-nodata", f"{p}-c-{code}", geom["d"], NEUTRAL_FILL,
                      geom["name"]), None  # fmt: skip
    shape = marker = None
    if geom["d"]:
        shape = _shape(f"map-country shade-{key}", f"{p}-c-{code}", geom["d"], fill, label)
        if "marker" not in geom:
            shape = _link(href, shape)
    if "marker" in geom:
        cx, cy = geom["marker"]
        marker = _link(href, format_html(
            '<circle id="{}" class="map-marker shade-{}" cx="{}" cy="{}" r="{}" fill="{}" '
            'stroke="#333" stroke-width=".5"><title>{}</title></circle>',
            f"{p}-m-{code}", key, cx, cy, MARKER_RADIUS, fill, label,
        ))  # fmt: skip
    return shape, marker


def _texture_layers(shades, layers, p, width, height):
    """(defs, layer 2, layer 4): one texture per shade, clipped to that shade's shapes."""
    defs, layer2, layer4 = [], [], []
    for shade in (s for s in shades if s.has_pattern):
        defs.append(
            format_html('<g id="{}-t-{}">{}</g>', p, shade.key, _texture(shade, width, height))
        )
        for ids, layer, kind in (
            (layers.clip_shapes, layer2, "cs"),
            (layers.clip_markers, layer4, "cm"),
        ):
            if not ids[shade.key]:
                continue
            clip_id = f"{p}-{kind}-{shade.key}"
            defs.append(
                format_html(
                    '<clipPath id="{}">{}</clipPath>',
                    clip_id,
                    format_html_join("", '<use href="#{}"/>', ((i,) for i in ids[shade.key])),
                )
            )
            layer.append(
                format_html('<use href="#{}-t-{}" clip-path="url(#{})"/>', p, shade.key, clip_id)
            )
    return defs, layer2, layer4


def _map_svg(geo, shades, layers, p, title, description):
    _, _, width, height = (float(v) for v in geo["viewbox"].split())
    defs, layer2, layer4 = _texture_layers(shades, layers, p, width, height)
    return format_html(
        '<svg class="world-map-svg" xmlns="http://www.w3.org/2000/svg" viewBox="{}" width="100%" '
        'role="group" aria-labelledby="{}-title" aria-describedby="{}-desc">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>'
        "<style>{}</style><defs>{}</defs>"
        '<path class="map-frame" d="{}" fill="{}" stroke="#bbb" stroke-width=".5"/>'
        '<g class="map-countries">{}</g>'
        '<g class="map-textures" pointer-events="none" aria-hidden="true">{}</g>'
        '<g class="map-markers">{}</g>'
        '<g class="map-textures" pointer-events="none" aria-hidden="true">{}</g></svg>',
        geo["viewbox"],
        p,
        p,
        p,
        title,
        p,
        description,
        _SVG_STYLE,
        _join(defs),
        geo.get("outline", ""),
        OUTLINE_FILL,
        _join(layers.shapes),
        _join(layer2),
        _join(layers.markers),
        _join(layer4),
    )


def _map_legend(shades, nodata_label):
    items = [_legend_item(shade, shade.label) for shade in shades]
    if nodata_label is not None:
        items.append(_legend_item(None, nodata_label))
    return format_html('<ul class="map-legend" aria-label="Legend">{}</ul>', _join(items))


def _unplaced_countries(geo, countries):
    """A line linking the countries the geometry lacks, so none is lost."""
    missing = [
        (label, href)
        for code, (_, label, href) in countries.items()
        if code not in geo["countries"]
    ]
    if not missing:
        return ""
    return format_html(
        '<p class="map-unplaced">Not drawn on the map: {}</p>',
        format_html_join(
            ", ",
            "{}",
            (
                (format_html('<a href="{}">{}</a>', href, label) if href else label,)
                for label, href in missing
            ),
        ),
    )


def render_world_map(
    shades: list[MapShade],
    countries: dict[str, tuple[str, str, str]],
    *,
    title: str,
    description: str,
    id_prefix: str = "world-map",
    nodata_label: str | None = "No data",
) -> SafeString:
    """One <figure>: inline SVG map, HTML legend and caption; every text escaped.

    ``countries`` maps an ISO numeric code (3 digits, or "XK" for Kosovo) to
    ``(shade key, accessible label, href)``.  Countries absent from it are drawn grey,
    unlinked, titled with their Natural Earth name.  An empty href shades a country
    without linking it.  A country too small to see is linked through a circle over it
    instead of its outline (one tab stop per country).  Countries the geometry lacks are
    linked in a line under the legend so none is lost.  ``id_prefix`` keeps ids unique
    when a page has two maps; ``nodata_label`` (None to omit) is the legend text for grey.
    """
    by_key = _check_map_input(shades, countries, id_prefix)
    geo = load_world_map()
    layers = _country_layers(geo, countries, by_key, id_prefix)
    svg = _map_svg(geo, shades, layers, id_prefix, title, description)
    legend = _map_legend(shades, nodata_label)
    unplaced = _unplaced_countries(geo, countries)
    return format_html(
        '<figure class="world-map" id="{}">{}{}{}<figcaption><span class="map-title">{}</span> '
        '<span class="map-description">{}</span> '
        '<small class="map-credit">Boundaries: Natural Earth (public domain). Small states are '
        "shown as circles.</small></figcaption></figure>",
        id_prefix,
        svg,
        legend,
        unplaced,
        title,
        description,
    )

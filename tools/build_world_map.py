#!/usr/bin/env python3
"""Build legislation/data/world_map.json from Natural Earth TopoJSON (dev-time only).

The app never fetches geometry at run time: this script turns a downloaded
TopoJSON file into a small, committed asset of projected SVG path data.

Where the input comes from
--------------------------
The npm package ``world-atlas`` (version 2.0.2, ISC licence, by Mike Bostock,
https://github.com/topojson/world-atlas) redistributes Natural Earth 4.1.0
"Admin 0 - countries" as TopoJSON keyed by ISO 3166-1 numeric id.  Natural
Earth itself is public domain.  To regenerate::

    npm install --prefix /tmp/wa world-atlas@2.0.2
    python3 tools/build_world_map.py \\
        /tmp/wa/node_modules/world-atlas/countries-50m.json \\
        --supplement /tmp/wa/node_modules/world-atlas/countries-10m.json

What it does
------------
* decodes the quantized, delta-encoded TopoJSON arcs;
* projects with the Natural Earth I projection (Šavrič et al. 2015, the
  polynomial d3-geo uses) into a viewBox 1000 units wide, cropped to the
  inhabited latitudes (Antarctica, ISO 010, is left out);
* simplifies every *shared arc once* (Douglas-Peucker), so neighbouring
  countries keep a common border without gaps, then rounds to 0.1 unit and
  writes relative path commands;
* drops rings (islands, holes) smaller than ``--min-area`` square units but
  always keeps each country's largest ring, so no country disappears;
* gives countries too small to see or click (area below ``--marker-area``) a
  ``"marker": [x, y]`` point that the renderer draws as a small circle;
* with ``--supplement`` (a finer file of the same package, e.g. the 10m one)
  adds countries the main file lacks (at 50m: Tuvalu, Gibraltar, U.S. Minor
  Outlying Islands) as markers only.

Keys
----
Keys are the 3-digit ISO 3166-1 numeric code as a string ("702" Singapore).
Exception: Natural Earth's Kosovo has no ISO numeric id (ISO has not assigned
one); it is keyed ``"XK"``, matching the app, which stores iso2 "XK" and a
blank numeric code for Kosovo.  The other Natural Earth units without an ISO
id (Somaliland, N. Cyprus, Siachen Glacier, Indian Ocean Ter., ...) are not
merged into any state: they go to ``"others"`` and are drawn neutral,
unlinked, under their Natural Earth name.

Countries are written largest first, so small enclaves (San Marino, Vatican,
Lesotho) paint on top of the country around them.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "legislation" / "data" / "world_map.json"

WIDTH = 1000.0
NORTH = 84.0  # northern tip of Greenland is 83.6
SOUTH = -60.0  # South Sandwich Islands reach -59.5; Antarctica is dropped
DROP_IDS = {"010"}  # Antarctica
KOSOVO_NAME = "Kosovo"
KOSOVO_KEY = "XK"

SOURCE = (
    "Natural Earth 1:{scale} Admin 0 countries (v4.1.0), via the npm package "
    "world-atlas {version} (https://github.com/topojson/world-atlas); "
    "built by tools/build_world_map.py"
)
LICENSE = (
    "Natural Earth data: public domain (https://www.naturalearthdata.com/about/terms-of-use/). "
    "world-atlas packaging: ISC licence, (c) 2013-2019 Michael Bostock."
)


# --- projection -------------------------------------------------------------


def natural_earth(lon: float, lat: float) -> tuple[float, float]:
    """Natural Earth I projection of degrees to unit-sphere plane coordinates."""
    lam = math.radians(lon)
    phi = math.radians(lat)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (
        0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4))
    )
    y = phi * (
        1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4))
    )
    return x, y


X_MIN = natural_earth(-180.0, 0.0)[0]
X_MAX = natural_earth(180.0, 0.0)[0]
SCALE = WIDTH / (X_MAX - X_MIN)
Y_TOP = natural_earth(0.0, NORTH)[1]
Y_BOTTOM = natural_earth(0.0, SOUTH)[1]
HEIGHT = round((Y_TOP - Y_BOTTOM) * SCALE, 1)


def project(lon: float, lat: float) -> tuple[float, float]:
    x, y = natural_earth(lon, lat)
    return (x - X_MIN) * SCALE, (Y_TOP - y) * SCALE


# --- TopoJSON ---------------------------------------------------------------


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat positions of every arc (handles quantized topologies)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(p[0], p[1]) for p in arc]
        arcs.append(points)
    return arcs


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["arcs"]]
    if geometry.get("type") == "MultiPolygon":
        return geometry["arcs"]
    return []


# --- simplification ---------------------------------------------------------


def _douglas_peucker(points: list[tuple[float, float]], tol: float) -> list[int]:
    """Indices of the points Douglas-Peucker keeps (both ends always)."""
    if len(points) < 3:
        return list(range(len(points)))
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    tol2 = tol * tol
    while stack:
        first, last = stack.pop()
        ax, ay = points[first]
        bx, by = points[last]
        dx, dy = bx - ax, by - ay
        seg2 = dx * dx + dy * dy
        best, best_d2 = -1, tol2
        for i in range(first + 1, last):
            px, py = points[i]
            if seg2 == 0:
                d2 = (px - ax) ** 2 + (py - ay) ** 2
            else:
                t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / seg2))
                d2 = (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2
            if d2 > best_d2:
                best, best_d2 = i, d2
        if best != -1:
            keep[best] = True
            stack.append((first, best))
            stack.append((best, last))
    return [i for i, k in enumerate(keep) if k]


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Make longitudes continuous (179 then -179 becomes 179 then 181)."""
    out: list[tuple[float, float]] = []
    for lon, lat in points:
        if out:
            prev = out[-1][0]
            while lon - prev > 180:
                lon -= 360
            while lon - prev < -180:
                lon += 360
        out.append((lon, lat))
    return out


def simplify_arc(arc: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    """The arc's lon/lat points that survive Douglas-Peucker in projected units.

    Measured on the projection of the unwrapped arc, so an arc crossing the
    antimeridian is simplified as the continuous line it is.  A closed arc is
    split at its farthest point; both ends of an arc are always kept, so arcs
    shared by two countries stay identical for both.
    """
    pts = [project(lon, lat) for lon, lat in unwrap(arc)]
    if len(pts) > 3 and arc[0] == arc[-1]:
        x0, y0 = pts[0]
        far = max(range(len(pts)), key=lambda i: (pts[i][0] - x0) ** 2 + (pts[i][1] - y0) ** 2)
        head = _douglas_peucker(pts[: far + 1], tol)
        tail = [far + i for i in _douglas_peucker(pts[far:], tol)]
        kept = head + tail[1:]
    else:
        kept = _douglas_peucker(pts, tol)
    return [arc[i] for i in kept]


def _clip(ring: list[tuple[float, float]], lon_edge: float, keep_below: bool) -> list:
    """Sutherland-Hodgman: the part of a lon/lat ring on one side of a meridian."""

    def inside(p: tuple[float, float]) -> bool:
        return p[0] <= lon_edge if keep_below else p[0] >= lon_edge

    out: list[tuple[float, float]] = []
    for i, cur in enumerate(ring):
        prev = ring[i - 1]
        if inside(cur) != inside(prev):
            t = (lon_edge - prev[0]) / (cur[0] - prev[0])
            out.append((lon_edge, prev[1] + t * (cur[1] - prev[1])))
        if inside(cur):
            out.append(cur)
    return out


def cut_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A lon/lat ring as pieces inside -180..180 (Fiji, Chukotka, Wrangel Island)."""
    ring = unwrap(ring)
    lons = [lon for lon, _ in ring]
    if min(lons) >= -180 and max(lons) <= 180:
        return [ring]
    if min(lons) < -180:
        ring = [(lon + 360, lat) for lon, lat in ring]
    west = _clip(ring, 180, keep_below=True)
    east = [(lon - 360, lat) for lon, lat in _clip(ring, 180, keep_below=False)]
    return [piece for piece in (west, east) if len(piece) >= 3]


# --- rings and path data ----------------------------------------------------


def ring_points(
    ring: list[int], arcs: list[list[tuple[float, float]]]
) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for index in ring:
        pts = arcs[index] if index >= 0 else arcs[~index][::-1]
        out.extend(pts if not out else pts[1:])
    return out


def to_tenths(points: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """Round to 0.1 unit (as integers of tenths), dropping repeats and the closing point."""
    out: list[tuple[int, int]] = []
    for x, y in points:
        p = (round(x * 10), round(y * 10))
        if not out or p != out[-1]:
            out.append(p)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def area(points: list[tuple[int, int]]) -> float:
    """Unsigned shoelace area in square units (input in tenths)."""
    s = 0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        s += x1 * y2 - x2 * y1
    return abs(s) / 200.0


def centroid(points: list[tuple[int, int]]) -> tuple[float, float]:
    s = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        c = x1 * y2 - x2 * y1
        s += c
        cx += (x1 + x2) * c
        cy += (y1 + y2) * c
    if s == 0:
        xs, ys = zip(*points, strict=True)
        return round(sum(xs) / len(xs) / 10, 1), round(sum(ys) / len(ys) / 10, 1)
    return round(cx / (3 * s) / 10, 1), round(cy / (3 * s) / 10, 1)


def num(tenths: int) -> str:
    """Tenths as the shortest decimal text: 12 -> '1.2', 10 -> '1', -3 -> '-.3'."""
    sign = "-" if tenths < 0 else ""
    whole, frac = divmod(abs(tenths), 10)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac}" if whole else f"{sign}.{frac}"


def join_numbers(values: list[str]) -> str:
    out = values[0]
    for v in values[1:]:
        out += v if v.startswith("-") else " " + v
    return out


def ring_path(points: list[tuple[int, int]]) -> str:
    x0, y0 = points[0]
    parts = [f"M{join_numbers([num(x0), num(y0)])}"]
    deltas: list[str] = []
    px, py = x0, y0
    for x, y in points[1:]:
        deltas += [num(x - px), num(y - py)]
        px, py = x, y
    if deltas:
        parts.append("l" + join_numbers(deltas))
    parts.append("z")
    return "".join(parts)


# --- build ------------------------------------------------------------------


def outline_path() -> str:
    """The cropped map frame: both meridians at +-180 and the two cropping parallels."""
    west = [project(-180.0, SOUTH + i * (NORTH - SOUTH) / 48) for i in range(49)]
    top = [project(-180.0 + i * 7.5, NORTH) for i in range(49)]
    east = [project(180.0, NORTH - i * (NORTH - SOUTH) / 48) for i in range(49)]
    bottom = [project(180.0 - i * 7.5, SOUTH) for i in range(49)]
    return ring_path(to_tenths(west + top + east + bottom))


def key_for(geometry: dict) -> str | None:
    gid = geometry.get("id")
    if gid is not None and str(gid).isdigit():
        return f"{int(gid):03d}"
    if geometry.get("properties", {}).get("name") == KOSOVO_NAME:
        return KOSOVO_KEY
    return None


def build_shapes(
    topology: dict, tol: float, min_area: float, marker_area: float
) -> tuple[dict[str, dict], list[dict]]:
    arcs = decode_arcs(topology)
    simplified = [simplify_arc(arc, tol) for arc in arcs]

    def pieces(ring: list[int], source: list) -> list[list[tuple[int, int]]]:
        lonlat = ring_points(ring, source)
        return [to_tenths([project(*p) for p in piece]) for piece in cut_antimeridian(lonlat)]

    countries: dict[str, dict] = {}
    others: list[dict] = []
    sizes: dict[str, float] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        key = key_for(geometry)
        if key in DROP_IDS:
            continue
        name = geometry.get("properties", {}).get("name", key or "")
        rings: list[tuple[float, list[tuple[int, int]]]] = []
        for polygon in polygons_of(geometry):
            for ring in polygon:
                for pts in pieces(ring, simplified):
                    if len(pts) < 3:  # collapsed by simplification: take the raw ring
                        pts = max(pieces(ring, arcs), key=len)
                    if len(pts) >= 3:
                        rings.append((area(pts), pts))
        if not rings:  # smaller than 0.1 unit (Vatican): a marker at its mean point
            raw = [
                project(*p)
                for polygon in polygons_of(geometry)
                for p in ring_points(polygon[0], arcs)
            ]
            if key is None or not raw:
                print(f"warning: {key} {name}: nothing to draw", file=sys.stderr)
                continue
            mean_x = sum(x for x, _ in raw) / len(raw)
            mean_y = sum(y for _, y in raw) / len(raw)
            countries[key] = {"name": name, "d": "", "marker": [round(mean_x, 1), round(mean_y, 1)]}
            sizes[key] = 0.0
            continue
        biggest = max(rings, key=lambda r: r[0])
        kept = [pts for a, pts in rings if a >= min_area or pts is biggest[1]]
        entry: dict = {"name": name, "d": "".join(ring_path(pts) for pts in kept)}
        total = sum(a for a, _ in rings)
        if key is None:  # never linked, so no marker
            others.append(entry)
            continue
        if total < marker_area:
            entry["marker"] = list(centroid(biggest[1]))
        if key in countries:  # the same id on two features: merge
            countries[key]["d"] += entry["d"]
            total += sizes[key]
        else:
            countries[key] = entry
        sizes[key] = total
    ordered = dict(sorted(countries.items(), key=lambda kv: -sizes[kv[0]]))
    return ordered, others


def supplement_markers(topology: dict, have: set[str]) -> dict[str, dict]:
    """Marker-only entries for ISO-keyed countries absent from the main file."""
    arcs = decode_arcs(topology)
    out: dict[str, dict] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        key = key_for(geometry)
        if key is None or key in have or key in DROP_IDS:
            continue
        best: list[tuple[int, int]] = []
        best_area = -1.0
        for polygon in polygons_of(geometry):
            pts = to_tenths([project(lon, lat) for lon, lat in ring_points(polygon[0], arcs)])
            if len(pts) >= 3 and area(pts) > best_area:
                best, best_area = pts, area(pts)
        if best:
            name = geometry.get("properties", {}).get("name", key)
            out[key] = {"name": name, "d": "", "marker": list(centroid(best))}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-*.json")
    parser.add_argument("--supplement", type=Path, help="finer countries file for missing states")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--version", default="2.0.2", help="world-atlas package version")
    parser.add_argument("--tolerance", type=float, default=0.2, help="simplification, units")
    parser.add_argument("--min-area", type=float, default=0.8, help="drop smaller rings, units²")
    parser.add_argument("--marker-area", type=float, default=6.0, help="add a marker below, units²")
    args = parser.parse_args(argv)

    topology = json.loads(args.topojson.read_text(encoding="utf-8"))
    countries, others = build_shapes(topology, args.tolerance, args.min_area, args.marker_area)
    scale = "".join(ch for ch in args.topojson.stem.rsplit("-", 1)[-1] if ch.isdigit()) or "?"
    if args.supplement:
        extra = supplement_markers(
            json.loads(args.supplement.read_text(encoding="utf-8")), set(countries)
        )
        countries.update(extra)
        if extra:
            print(
                "markers from supplement:", ", ".join(f"{k} {v['name']}" for k, v in extra.items())
            )

    asset = {
        "source": SOURCE.format(scale=f"{scale}m", version=args.version)
        + (
            f"; markers for states missing at that scale from {args.supplement.name}"
            if args.supplement
            else ""
        ),
        "license": LICENSE,
        "projection": f"Natural Earth I, lon -180..180, lat {SOUTH:g}..{NORTH:g}; "
        "Antarctica omitted",
        "viewbox": f"0 0 {WIDTH:g} {HEIGHT:g}",
        "keys_are": "iso_numeric except XK",
        "keys_note": (
            "3-digit ISO 3166-1 numeric codes; Kosovo (no ISO numeric code) is 'XK'. Natural Earth "
            "units without an ISO code are in 'others' (drawn neutral, unlinked). Countries are "
            "ordered largest first; 'marker' [x, y] marks a country too small to see."
        ),
        "outline": outline_path(),
        "countries": countries,
        "others": others,
    }
    text = json.dumps(asset, ensure_ascii=False, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    markers = sorted(k for k, v in countries.items() if "marker" in v)
    print(
        f"wrote {args.out} ({len(text.encode()) / 1024:.0f} KiB), {len(countries)} countries, "
        f"{len(others)} others, viewBox {asset['viewbox']}"
    )
    print(f"markers ({len(markers)}): {' '.join(markers)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

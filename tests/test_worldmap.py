"""The world map: committed geometry asset and its SVG rendering (no database needed)."""

import re
from xml.etree import ElementTree

import pytest

from legislation.site.maps import MapShade, load_world_map, render_world_map
from legislation.site.palette import colour

SVG = "{http://www.w3.org/2000/svg}"

SHADES = [
    MapShade("met", "✔ met", "#1a9850", "none"),
    MapShade("partial", "◐ partly met", "#fee08b", "dots"),
    MapShade("not-met", "✘ not met", "#d73027", "hatch"),
    MapShade("unclear", "? unclear", "#91bfdb", "cross"),
]


def render(countries, **kwargs):
    return str(
        render_world_map(
            SHADES, countries, title="Test map", description="Sample statuses.", **kwargs
        )
    )


def svg_of(html):
    """The map's <svg> element, parsed as XML (so the output must be well-formed)."""
    match = re.search(r'<svg class="world-map-svg".*?</svg>(?=<ul)', html, re.S)
    assert match, "no map svg"
    return ElementTree.fromstring(match.group(0))  # noqa: S314 (our own output)


def link_to(svg, href):
    links = [a for a in svg.iter(f"{SVG}a") if a.get("href") == href]
    assert len(links) == 1, f"expected one link to {href}, found {len(links)}"
    return links[0]


def test_it_ships_an_asset_with_most_countries():
    geo = load_world_map()
    countries = geo["countries"]
    assert len(countries) >= 170
    assert "840" in countries  # United States
    assert "702" in countries  # Singapore (1:50m has it; 1:110m would not)
    assert "XK" in countries  # Kosovo: no ISO numeric code
    assert "010" not in countries  # Antarctica is cropped away
    assert geo["keys_are"] == "iso_numeric except XK"
    assert all(re.fullmatch(r"\d{3}|XK", key) for key in countries)
    assert "Natural Earth" in geo["source"] and "public domain" in geo["license"]
    width, height = (float(v) for v in geo["viewbox"].split()[2:])
    assert width == 1000 and 400 <= height <= 550


def test_it_keeps_the_asset_small_and_its_paths_in_the_viewbox():
    from legislation.site.maps import ASSET_PATH

    assert ASSET_PATH.stat().st_size < 400 * 1024
    geo = load_world_map()
    path = geo["countries"]["840"]["d"]
    assert path.startswith("M") and path.endswith("z")
    x, y = (float(v) for v in re.match(r"M([\d.]+)[ ]?([\d.]+)", path).groups())
    assert 0 <= x <= 1000 and 0 <= y <= 550


def test_it_links_a_shaded_country_with_its_label_and_fill():
    html = render({"840": ("not-met", "United States: not met", "/countries/US/")})
    svg = svg_of(html)
    link = link_to(svg, "/countries/US/")
    path = link.find(f"{SVG}path")
    assert path.get("fill") == "#d73027"
    assert "map-country" in path.get("class") and "shade-not-met" in path.get("class")
    assert path.get("stroke") == "#fff" and path.get("stroke-width") == "0.4"
    assert path.find(f"{SVG}title").text == "United States: not met"


def test_it_links_a_small_state_through_a_marker():
    svg = svg_of(render({"702": ("met", "Singapore: met", "/countries/SG/")}))
    circle = link_to(svg, "/countries/SG/").find(f"{SVG}circle")
    assert circle.get("fill") == "#1a9850"
    assert circle.find(f"{SVG}title").text == "Singapore: met"


def test_it_draws_an_unknown_country_grey_without_link():
    svg = svg_of(render({"840": ("met", "United States: met", "/countries/US/")}))
    france = next(p for p in svg.iter(f"{SVG}path") if p.get("id") == "world-map-c-250")
    assert france.get("fill") == colour("map-nodata")  # the grey of tokens.css
    assert "map-nodata" in france.get("class")
    assert france.find(f"{SVG}title").text == "France"
    parents = {child: parent for parent in svg.iter() for child in parent}
    assert parents[france].tag != f"{SVG}a"
    assert [a.get("href") for a in svg.iter(f"{SVG}a")] == ["/countries/US/"]


def test_it_escapes_every_text():
    evil = '<script>alert("x")</script>'
    html = str(
        render_world_map(
            [MapShade("met", f"met {evil}", "#1a9850", "hatch")],
            {"250": ("met", f"France {evil}", '/c/FR/?a=1&b="2"'), "999": ("met", evil, "/c/x/")},
            title=f"Title {evil}",
            description=f"Desc {evil}",
        )
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="/c/FR/?a=1&amp;b=&quot;2&quot;"' in html
    svg_of(html)  # still well-formed


def test_it_lists_every_shade_in_the_legend_with_label_and_pattern():
    html = render({"840": ("met", "United States: met", "/countries/US/")})
    legend = re.search(r'<ul class="map-legend".*?</ul>', html, re.S).group(0)
    for shade in SHADES:
        item = re.search(
            rf'<li class="map-legend-item shade-{shade.key}" data-pattern="{shade.pattern}">'
            r"(.*?)</li>",
            legend,
            re.S,
        )
        assert item, shade.key
        assert item.group(1).endswith(" " + shade.label)
        assert f'fill="{shade.fill}"' in item.group(1)
        if shade.pattern != "none":  # the swatch draws the texture itself
            assert item.group(1).count("<path") >= 1
    assert 'shade-nodata" data-pattern="none"' in legend and "No data" in legend


def test_it_clips_each_texture_to_the_countries_of_its_shade():
    svg_text = render(
        {
            "840": ("not-met", "United States: not met", "/countries/US/"),
            "124": ("not-met", "Canada: not met", "/countries/CA/"),
            "076": ("met", "Brazil: met", "/countries/BR/"),
        }
    )
    svg = svg_of(svg_text)
    clips = {c.get("id"): c for c in svg.iter(f"{SVG}clipPath")}
    hatch = clips["world-map-cs-not-met"]
    assert {u.get("href") for u in hatch} == {"#world-map-c-840", "#world-map-c-124"}
    assert "world-map-cs-met" not in clips  # a shade without pattern has no texture


def test_it_lists_countries_the_geometry_lacks_under_the_map():
    html = render({"999": ("met", "Nowhere: met", "/countries/NW/")})
    assert re.search(r'class="map-unplaced">.*<a href="/countries/NW/">Nowhere: met</a>', html)


def test_it_labels_the_figure_and_svg():
    html = render({}, id_prefix="m2")
    assert html.startswith('<figure class="world-map" id="m2">') and "<figcaption>" in html
    svg = svg_of(html)
    assert svg.get("aria-labelledby") == "m2-title"
    assert svg.find(f"{SVG}title").text == "Test map"
    assert svg.find(f"{SVG}desc").text == "Sample statuses."
    assert ".map-link:focus path" in svg.find(f"{SVG}style").text


def test_it_rejects_unsafe_keys_and_unknown_shades():
    with pytest.raises(ValueError):
        MapShade('x" onload="', "x", "#000", None)
    with pytest.raises(ValueError):
        MapShade("x", "x", "#000", "stripes")
    with pytest.raises(ValueError):
        render({"840": ("nope", "United States", "/c/US/")})


def test_it_takes_the_map_colours_from_the_pages_tokens_file():
    from legislation.site.comparison import STATUS_SHADES
    from legislation.site.palette import TOKENS_CSS
    from legislation.statuses import Status

    css = TOKENS_CSS.read_text()
    assert f"--map-met: {STATUS_SHADES[Status.MET][0]};" in css
    assert f"--map-not-assessed: {STATUS_SHADES[Status.NOT_ASSESSED][0]};" in css
    # "Not assessed" recedes: no texture, and lighter than the grey of "no data".
    assert STATUS_SHADES[Status.NOT_ASSESSED][1] == "none"
    assert int(colour("map-not-assessed")[1:3], 16) > int(colour("map-nodata")[1:3], 16)

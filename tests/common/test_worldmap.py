"""The server-rendered world map: well-formed, CSP-clean, escaped, and geographically sane."""

import csv
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from palermo.common.worldmap import (
    NO_REGION_CLASS,
    POINT_RADIUS,
    POINTS_CSV,
    MapRegion,
    equal_earth,
    load_map_data,
    world_map_svg,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
STATES_CSV = ROOT / "palermo" / "reference" / "data" / "states.csv"
SVG = "{http://www.w3.org/2000/svg}"
PATH_TOKEN = re.compile(r"[A-Za-z]|-?\d+(?:\.\d+)?")


def region(code: str, m49: str, **overrides: object) -> MapRegion:
    values: dict[str, object] = {
        "code": code,
        "m49": m49,
        "name": f"State {code}",
        "css_class": "stage-experts",
        "url": f"/states/{code}/",
        "label": "Experts appointed",
    }
    values.update(overrides)
    return MapRegion(**values)  # type: ignore[arg-type]


def render(*regions: MapRegion, title: str = "Review stages", desc: str = "A map") -> str:
    return str(world_map_svg(regions={r.m49: r for r in regions}, title=title, description=desc))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def rings(d: str) -> list[list[tuple[float, float]]]:
    """Absolute rings from the build's path syntax: M x y, then relative l pairs, then z."""
    tokens = PATH_TOKEN.findall(d)
    out: list[list[tuple[float, float]]] = []
    i = 0
    while i < len(tokens):
        assert tokens[i] == "M", d[:40]
        x, y = float(tokens[i + 1]), float(tokens[i + 2])
        ring = [(x, y)]
        assert tokens[i + 3] == "l"
        i += 4
        while tokens[i] != "z":
            x, y = x + float(tokens[i]), y + float(tokens[i + 1])
            ring.append((x, y))
            i += 2
        out.append(ring)
        i += 1
    return out


def inside(point: tuple[float, float], d: str) -> bool:
    """Even-odd point-in-polygon, the fill rule map.css uses."""
    px, py = point
    hit = False
    for ring in rings(d):
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y0 > py) != (y1 > py) and px < x0 + (py - y0) * (x1 - x0) / (y1 - y0):
                hit = not hit
    return hit


@pytest.fixture(scope="module")
def all_regions() -> dict[str, MapRegion]:
    data = load_map_data()
    codes = sorted(set(data.countries) | set(data.points))
    return {m49: region(f"X{m49}", m49) for m49 in codes}


@pytest.fixture(scope="module")
def full_svg(all_regions: dict[str, MapRegion]) -> str:
    return str(world_map_svg(regions=all_regions, title="Stages", description="Every State"))


def test_svg_is_well_formed_and_labelled(full_svg: str) -> None:
    root = parse(full_svg)
    data = load_map_data()
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {data.width} {data.height}"
    assert root.get("role") == "group"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}desc").get("id") == desc_id


def test_every_outlined_region_is_a_linked_path_with_its_id_and_class(full_svg: str) -> None:
    root = parse(full_svg)
    links = {a.find("*").get("id"): a for a in root.iter(f"{SVG}a")}
    for m49 in load_map_data().countries:
        link = links[f"map-X{m49}"]
        assert link.get("href") == f"/states/X{m49}/"
        shape = link.find(f"{SVG}path")
        assert shape is not None
        assert shape.get("class") == "stage-experts"
        assert shape.find(f"{SVG}title").text == f"State X{m49}: Experts appointed"


def test_microstates_render_as_dots_inside_the_frame(full_svg: str) -> None:
    root = parse(full_svg)
    data = load_map_data()
    circles = {c.get("id"): c for c in root.iter(f"{SVG}circle")}
    assert set(circles) == {f"map-X{m49}" for m49 in data.points}
    for circle in circles.values():
        cx, cy, r = (float(circle.get(a)) for a in ("cx", "cy", "r"))
        assert r == POINT_RADIUS
        assert r <= cx <= data.width - r
        assert r <= cy <= data.height - r


def test_countries_without_a_region_are_plain_and_unlinked() -> None:
    root = parse(render(region("FRA", "250")))
    linked = [p for a in root.iter(f"{SVG}a") for p in a.iter(f"{SVG}path")]
    assert [p.get("id") for p in linked] == ["map-FRA"]
    plain = [p for p in root.iter(f"{SVG}path") if p not in linked]
    data = load_map_data()
    # Every other State, plus the land with no code (Kosovo, N. Cyprus, Somaliland): no holes.
    assert len(data.unassigned) == 3
    assert len(plain) == len(data.countries) - 1 + len(data.unassigned)
    assert all(p.get("class") == NO_REGION_CLASS and p.get("id") is None for p in plain)
    assert not list(root.iter(f"{SVG}circle"))


def test_region_without_url_is_drawn_without_link() -> None:
    root = parse(render(region("FRA", "250", url=None), region("MLT", "470", url=None)))
    assert not list(root.iter(f"{SVG}a"))
    assert root.find(f".//{SVG}path[@id='map-FRA']") is not None
    assert root.find(f".//{SVG}circle[@id='map-MLT']") is not None


def test_region_that_cannot_be_placed_is_skipped() -> None:
    root = parse(render(region("EUU", "")))
    assert root.find(".//*[@id='map-EUU']") is None


def test_text_is_escaped() -> None:
    hostile = "<script>alert('x')</script>"
    svg = render(
        region("FRA", "250", name=hostile, label='"&', css_class='x" onclick="y'),
        region("MLT", "470", name=hostile, url="/s/?a=1&b=<2>"),
        title="Map & <b>",
        desc=hostile,
    )
    assert "<script" not in svg.lower()
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == "Map & <b>"
    assert root.find(f"{SVG}desc").text == hostile
    france = root.find(f".//{SVG}path[@id='map-FRA']")
    assert france.get("class") == 'x" onclick="y'
    assert france.get("onclick") is None
    assert france.find(f"{SVG}title").text == f'{hostile}: "&'
    assert root.find(f".//{SVG}a[{SVG}circle]").get("href") == "/s/?a=1&b=<2>"


def test_no_inline_style_or_script_for_the_csp(full_svg: str) -> None:
    assert "style=" not in full_svg
    assert "<script" not in full_svg.lower()
    assert all(not key.startswith("on") for el in parse(full_svg).iter() for key in el.attrib)


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x"])
def test_script_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        render(region("FRA", "250", url=url))


def test_outlines_stay_inside_the_viewbox() -> None:
    data = load_map_data()
    for key, d in [*data.countries.items(), *enumerate(data.unassigned)]:
        for ring in rings(d):
            for x, y in ring:
                assert 0 <= x <= data.width and 0 <= y <= data.height, key


@pytest.mark.parametrize(
    ("m49", "lon", "lat"),
    [
        ("250", 2.35, 48.86),  # Paris
        ("724", -3.70, 40.42),  # Madrid
        ("643", 37.62, 55.75),  # Moscow
        ("156", 116.40, 39.90),  # Beijing
        ("076", -47.88, -15.79),  # Brasilia
        ("036", 149.13, -35.28),  # Canberra
        ("124", -75.70, 45.42),  # Ottawa
        ("404", 36.82, -1.29),  # Nairobi
        ("710", 28.19, -25.75),  # Pretoria
        ("840", -98.0, 39.0),  # Kansas
    ],
)
def test_capitals_land_inside_their_outlines(m49: str, lon: float, lat: float) -> None:
    """The build script and the runtime share the projection parameters stored in the JSON."""
    data = load_map_data()
    assert inside(data.projection(lon, lat), data.countries[m49])


def test_enclaves_are_holes_in_their_surrounding_state() -> None:
    data = load_map_data()
    maseru = data.projection(27.6, -29.5)
    assert inside(maseru, data.countries["426"])  # Lesotho
    assert not inside(maseru, data.countries["710"])  # South Africa


def test_north_is_up_and_east_is_right() -> None:
    project = load_map_data().projection
    oslo, cape_town = project(10.75, 59.91), project(18.42, -33.92)
    lima, jakarta = project(-77.04, -12.05), project(106.85, -6.21)
    assert oslo[1] < cape_town[1]
    assert lima[0] < jakarta[0]


def test_equal_earth_is_equal_area() -> None:
    # Unit-sphere equal-area projection: the Jacobian determinant equals cos(latitude).
    h = 1e-6
    for lat in (-70.0, -30.0, 0.0, 20.0, 60.0):
        dx_dlon = (equal_earth(h, lat)[0] - equal_earth(-h, lat)[0]) / math.radians(2 * h)
        dy_dlat = (equal_earth(0, lat + h)[1] - equal_earth(0, lat - h)[1]) / math.radians(2 * h)
        assert dx_dlon * dy_dlat == pytest.approx(math.cos(math.radians(lat)), rel=1e-5)
    assert equal_earth(0, 90)[1] == pytest.approx(1.3173627591574, rel=1e-9)


def read_points() -> list[dict[str, str]]:
    with POINTS_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_points_are_valid_and_never_duplicate_an_outline() -> None:
    rows = read_points()
    codes = [row["m49"] for row in rows]
    assert all(re.fullmatch(r"\d{3}", code) for code in codes)
    assert len(codes) == len(set(codes))
    # One shape per State: a dot for a State that also has an outline would duplicate its id.
    assert not set(codes) & set(load_map_data().countries)
    for row in rows:
        assert -180 <= float(row["lon"]) <= 180 and -90 <= float(row["lat"]) <= 90
        assert row["name"]


def test_every_state_party_with_an_m49_code_can_be_placed() -> None:
    data = load_map_data()
    with STATES_CSV.open(encoding="utf-8", newline="") as f:
        codes = {row["m49"] for row in csv.DictReader(f) if row["m49"]}
    assert codes
    assert codes - set(data.countries) - set(data.points) == set()


def test_map_data_stays_small_and_is_loaded_once() -> None:
    json_path = POINTS_CSV.parent / "world_map.json"
    assert json_path.stat().st_size < 250_000
    assert load_map_data() is load_map_data()

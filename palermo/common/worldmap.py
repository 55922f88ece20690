"""A server-rendered SVG world map, coloured by CSS classes.

The country outlines are pre-projected by scripts/build_world_map.py into data/world_map.json
(Natural Earth 1:110m via world-atlas, Equal Earth projection). States too small for that
scale are drawn as dots from data/map_points.csv, projected here with the same projection
parameters that the build script stored in the JSON, so dots and outlines line up.

The output contains no script and no style attribute: it must render under the site's strict
CSP, so every colour comes from static/css/map.css through class names.
"""

import csv
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

DATA_DIR = Path(__file__).resolve().parent / "data"
MAP_JSON = DATA_DIR / "world_map.json"
POINTS_CSV = DATA_DIR / "map_points.csv"

POINT_RADIUS = 3
NO_REGION_CLASS = "map-none"
TITLE_ID = "world-map-title"
DESC_ID = "world-map-desc"

# Equal Earth (Šavrič, Patterson & Jenny 2018), the same constants as d3-geo's equalEarthRaw.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Project degrees to Equal Earth unit coordinates (y grows northwards)."""
    lam = math.radians(lon)
    theta = math.asin(_M * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


@dataclass(frozen=True, slots=True)
class MapRegion:
    code: str  # ISO3, shown in the element id ("map-FRA")
    m49: str  # UN M49 numeric code as a 3-digit string: the key into the map data
    name: str
    css_class: str
    url: str | None
    label: str  # e.g. the review stage, shown after the name in the tooltip


@dataclass(frozen=True, slots=True)
class Projection:
    """Equal Earth scaled and shifted into the map's viewBox (y grows downwards)."""

    scale: float
    translate: tuple[float, float]

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = equal_earth(lon, lat)
        return self.translate[0] + self.scale * x, self.translate[1] - self.scale * y


@dataclass(frozen=True, slots=True)
class MapPoint:
    name: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class MapData:
    width: int
    height: int
    projection: Projection
    countries: Mapping[str, str]  # M49 -> SVG path data
    # Land with no M49 code in the source (Kosovo, N. Cyprus, Somaliland): drawn as plain
    # background so it does not show as a hole, never labelled or linked.
    unassigned: tuple[str, ...]
    points: Mapping[str, MapPoint]  # M49 -> dot position in viewBox coordinates


@cache
def load_map_data() -> MapData:
    raw = json.loads(MAP_JSON.read_text(encoding="utf-8"))
    params = raw["projection"]
    if params["name"] != "equal_earth":
        raise ValueError(f"{MAP_JSON.name}: unsupported projection {params['name']!r}")
    # The build script projected the outlines with these stored parameters; reusing them
    # (rather than recomputing a fit) is what keeps the dots on the outlines.
    tx, ty = params["translate"]
    project = Projection(scale=params["scale"], translate=(tx, ty))
    points: dict[str, MapPoint] = {}
    with POINTS_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            x, y = project(float(row["lon"]), float(row["lat"]))
            points[row["m49"]] = MapPoint(name=row["name"], x=round(x, 1), y=round(y, 1))
    return MapData(
        width=raw["width"],
        height=raw["height"],
        projection=project,
        countries=MappingProxyType(raw["countries"]),
        unassigned=tuple(raw.get("unassigned", ())),
        points=MappingProxyType(points),
    )


def _href(url: str) -> str:
    # Escaping does not stop a "javascript:" URL; the CSP would block it, but refuse it here
    # too so a bad link never reaches the page.
    if urlsplit(url).scheme not in ("", "http", "https"):
        raise ValueError(f"refusing map link with scheme: {url!r}")
    return escape(url)


def _region_element(region: MapRegion, tag: str, geometry: str) -> str:
    """A region's shape, linked when it has a URL.

    `geometry` holds trusted attributes built from our own data (path data, circle centre)."""
    tooltip = f"{region.name}: {region.label}" if region.label else region.name
    element = (
        f'<{tag} id="map-{escape(region.code)}" class="{escape(region.css_class)}" {geometry}>'
        f"<title>{escape(tooltip)}</title></{tag}>"
    )
    if region.url is None:
        return element
    return f'<a href="{_href(region.url)}">{element}</a>'


def world_map_svg(*, regions: Mapping[str, MapRegion], title: str, description: str) -> SafeString:
    """Render the map with one shape per region, placed by `MapRegion.m49`.

    `regions` is conventionally keyed by M49 code; only the values are used. A region whose
    M49 code is neither outlined nor listed in map_points.csv (e.g. the European Union) is not
    drawn. Map countries with no region are drawn unlinked in the `map-none` class.
    """
    data = load_map_data()
    by_m49 = {region.m49: region for region in regions.values()}

    # Order matters in SVG (later shapes paint on top): unlinked background first, then the
    # States, then dots so that microstates stay visible over their neighbours.
    background = [f'<path class="{NO_REGION_CLASS}" d="{d}"/>' for d in data.unassigned]
    shapes: list[str] = []
    for m49, d in sorted(data.countries.items()):
        region = by_m49.get(m49)
        if region is None:
            background.append(f'<path class="{NO_REGION_CLASS}" d="{d}"/>')
        else:
            shapes.append(_region_element(region, "path", f'd="{d}"'))
    dots = [
        _region_element(region, "circle", f'cx="{point.x}" cy="{point.y}" r="{POINT_RADIUS}"')
        for m49, region in sorted(by_m49.items())
        if m49 not in data.countries and (point := data.points.get(m49)) is not None
    ]

    svg = "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="world-map" '
            f'viewBox="0 0 {data.width} {data.height}" role="group" '
            f'aria-labelledby="{TITLE_ID} {DESC_ID}">',
            f'<title id="{TITLE_ID}">{escape(title)}</title>',
            f'<desc id="{DESC_ID}">{escape(description)}</desc>',
            '<g class="map-background">',
            *background,
            "</g>",
            '<g class="map-states">',
            *shapes,
            "</g>",
            '<g class="map-points">',
            *dots,
            "</g>",
            "</svg>",
        ]
    )
    # Safe: every caller-supplied text and attribute above went through escape(), and the
    # path data and numbers come from our own build output.
    return mark_safe(svg)

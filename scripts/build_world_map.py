"""Build palermo/common/data/world_map.json from the vendored world-atlas TopoJSON.

Dev-only: run it when the vendored file, the map size or map_points.csv changes, look at a
rendered map (static/vendor/VENDORED.md says how), commit the JSON. The app never reads the
TopoJSON; palermo/common/worldmap.py reads only the JSON written here and map_points.csv.

    .venv/bin/python scripts/build_world_map.py

The outlines are projected with Equal Earth, fitted to WIDTH, rounded to 0.1 px and lightly
simplified. The fitted scale and offset are stored in the JSON so that the runtime projects
the microstate dots of map_points.csv onto exactly the same frame.
"""

import csv
import json
import math
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Share the projection formula with the runtime rather than copy it: a drift between the two
# would move every dot off its island.
from palermo.common.worldmap import MAP_JSON, POINTS_CSV, Projection, equal_earth  # noqa: E402

SOURCE = ROOT / "static" / "vendor" / "world-atlas-2.0.2" / "countries-110m.json"
WIDTH = 1000
# Room for a dot of radius 3 plus its stroke at the map's edge (Tonga, Tuvalu).
PADDING = 5
# Points nearer than this to the previous kept point add bytes but no visible detail.
MIN_STEP_PX = 0.5
# Antarctica: no State, and at the bottom of an Equal Earth map it takes a fifth of the height.
DROPPED = {"010"}

Point = tuple[float, float]
Tenths = tuple[int, int]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Undo TopoJSON quantisation: positions are deltas from the previous one, in grid units."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs: list[list[Point]] = []
    for encoded in topology["arcs"]:
        qx = qy = 0
        arc: list[Point] = []
        for dx, dy in encoded:
            qx += dx
            qy += dy
            arc.append((qx * sx + tx, qy * sy + ty))
        arcs.append(arc)
    return arcs


def polygons_of(geometry: dict[str, Any]) -> list[list[list[int]]]:
    """Arc indexes as polygons -> rings -> arcs, whatever the geometry type."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    raise ValueError(f"unexpected geometry type {geometry['type']} for {geometry.get('id')}")


def crosses_antimeridian(arc: list[Point]) -> bool:
    return any(abs(b[0] - a[0]) > 180 for a, b in pairwise(arc))


def unwrap(ring: list[Point]) -> list[Point]:
    """Make longitudes continuous (e.g. 179 then 181 rather than -179)."""
    out = [ring[0]]
    for lon, lat in ring[1:]:
        previous = out[-1][0]
        lon += 360 * round((previous - lon) / 360)
        out.append((lon, lat))
    if abs(out[-1][0] - out[0][0]) > 1e-9:
        raise ValueError("ring winds around a pole; only Antarctica does, and it is dropped")
    return out


def clip(ring: list[Point], limit: float, keep_below: bool) -> list[Point]:
    """Sutherland-Hodgman against the meridian `limit`.

    For a concave ring the result may join separate pieces by zero-width edges along the
    meridian; they lie on the map's rim and do not show."""

    def inside(p: Point) -> bool:
        return p[0] <= limit if keep_below else p[0] >= limit

    def crossing(a: Point, b: Point) -> Point:
        t = (limit - a[0]) / (b[0] - a[0])
        return limit, a[1] + t * (b[1] - a[1])

    out: list[Point] = []
    for i, current in enumerate(ring):
        previous = ring[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(crossing(previous, current))
            out.append(current)
        elif inside(previous):
            out.append(crossing(previous, current))
    return out


def cut_at_antimeridian(ring: list[Point]) -> list[list[Point]]:
    """Split a ring that crosses 180° into pieces that each stay within [-180, 180].

    Natural Earth's Fiji and Chukotka rings jump from 180° to -180°: d3 clips them on the
    sphere, but drawn on the plane they would streak across the whole map."""
    unwrapped = unwrap(ring)
    lons = [lon for lon, _ in unwrapped]
    pieces = []
    for shift in range(math.floor((min(lons) + 180) / 360), math.ceil((max(lons) - 180) / 360) + 1):
        west, east = -180 + 360 * shift, 180 + 360 * shift
        piece = clip(clip(unwrapped, west, keep_below=False), east, keep_below=True)
        if len(piece) >= 3:
            pieces.append([(lon - 360 * shift, lat) for lon, lat in piece])
    return pieces


def fit(unit_points: list[Point]) -> Projection:
    """Scale and shift so that the content spans WIDTH minus padding, north at the top."""
    xs = [x for x, _ in unit_points]
    ys = [y for _, y in unit_points]
    scale = round((WIDTH - 2 * PADDING) / (max(xs) - min(xs)), 4)
    return Projection(
        scale=scale,
        translate=(round(PADDING - scale * min(xs), 2), round(PADDING + scale * max(ys), 2)),
    )


def simplify(arc: list[Point]) -> list[Point]:
    """Radial-distance simplification that always keeps both ends.

    Done per arc, not per ring, so that the two countries sharing a border get the very same
    simplified line and no slivers or gaps open between them."""
    kept = [arc[0]]
    for point in arc[1:-1]:
        if math.dist(point, kept[-1]) >= MIN_STEP_PX:
            kept.append(point)
    if len(arc) > 1:
        if len(kept) > 1 and math.dist(arc[-1], kept[-1]) < MIN_STEP_PX:
            kept.pop()
        kept.append(arc[-1])
    return kept


def to_tenths(point: Point) -> Tenths:
    return round(point[0] * 10), round(point[1] * 10)


def join_arcs(ring: list[int], arcs: list[list[Any]]) -> list[Any]:
    points: list[Any] = []
    for index in ring:
        # A negative index ~i means arc i walked backwards (TopoJSON spec).
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Each arc starts where the previous one ended: skip the repeated junction point.
        points.extend(arc if not points else arc[1:])
    return points


def clean(points: list[Tenths]) -> list[Tenths]:
    """Drop repeats that rounding created, and the closing point ("z" closes the ring)."""
    out = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def number(tenths: int) -> str:
    whole, decimal = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{whole}" if decimal == 0 else f"{sign}{whole}.{decimal}"


def join_numbers(values: list[int]) -> str:
    # A minus sign already separates two numbers in SVG path syntax.
    out = number(values[0])
    for value in values[1:]:
        text = number(value)
        out += text if text.startswith("-") else " " + text
    return out


def path_data(rings: list[list[Tenths]]) -> str:
    """Absolute moveto, then relative linetos: deltas of rounded points never drift."""
    parts: list[str] = []
    for points in rings:
        if len(points) < 3:
            continue  # an islet smaller than a pixel after simplification
        deltas: list[int] = []
        for (x0, y0), (x1, y1) in pairwise(points):
            deltas += [x1 - x0, y1 - y0]
        parts.append(f"M{join_numbers(list(points[0]))}l{join_numbers(deltas)}z")
    return "".join(parts)


def read_points() -> list[Point]:
    with POINTS_CSV.open(encoding="utf-8", newline="") as f:
        return [(float(row["lon"]), float(row["lat"])) for row in csv.DictReader(f)]


def main() -> None:
    topology = json.loads(SOURCE.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    rings_by_code: dict[str, list[list[int]]] = {}
    unassigned_keys: list[str] = []
    for g in topology["objects"]["countries"]["geometries"]:
        if g.get("id") in DROPPED:
            continue
        if g.get("id"):
            code = g["id"].zfill(3)
            if code in rings_by_code:
                raise ValueError(f"duplicate feature id {code}")
        else:
            # Kosovo, N. Cyprus, Somaliland have no M49 code, so no State to colour; they are
            # still drawn, unlabelled, as plain land, or they would be holes in the map.
            code = f"unassigned-{len(unassigned_keys)}"
            unassigned_keys.append(code)
        rings_by_code[code] = [ring for polygon in polygons_of(g) for ring in polygon]

    uses = Counter(i if i >= 0 else ~i for rs in rings_by_code.values() for r in rs for i in r)
    crossing = {i for i in uses if crosses_antimeridian(arcs[i])}
    if shared := [i for i in crossing if uses[i] > 1]:
        # Cutting a ring on its own is only safe for coastlines: a shared border cut twice
        # could come out differently on each side.
        raise ValueError(f"arcs {shared} cross the antimeridian and are shared")

    # Rings made of arcs keep the topology (shared borders simplified once); the few rings
    # that cross 180° are cut in longitude/latitude and handled as loose pieces.
    topological: dict[str, list[list[int]]] = {}
    pieces: dict[str, list[list[Point]]] = {}
    for code, rings in rings_by_code.items():
        topological[code] = [r for r in rings if not crossing & {i if i >= 0 else ~i for i in r}]
        pieces[code] = [
            piece
            for r in rings
            if crossing & {i if i >= 0 else ~i for i in r}
            for piece in cut_at_antimeridian(join_arcs(r, arcs))
        ]

    used = sorted({i if i >= 0 else ~i for rs in topological.values() for r in rs for i in r})
    lonlat = [p for i in used for p in arcs[i]]
    lonlat += [p for ps in pieces.values() for piece in ps for p in piece]
    lonlat += read_points()
    unit_points = [equal_earth(lon, lat) for lon, lat in lonlat]
    projection = fit(unit_points)
    bottom = projection.translate[1] - projection.scale * min(y for _, y in unit_points)
    height = math.ceil(bottom) + PADDING

    projected: list[list[Tenths]] = [[] for _ in arcs]
    for index in used:
        projected[index] = [to_tenths(p) for p in simplify([projection(*q) for q in arcs[index]])]

    paths: dict[str, str] = {}
    for code in rings_by_code:
        rings = [clean(join_arcs(r, projected)) for r in topological[code]]
        rings += [
            clean([to_tenths(p) for p in simplify([projection(*q) for q in [*piece, piece[0]]])])
            for piece in pieces[code]
        ]
        if d := path_data(rings):
            paths[code] = d
    countries = {code: paths[code] for code in sorted(paths) if code not in unassigned_keys}
    unassigned = [paths[code] for code in unassigned_keys if code in paths]
    output = {
        "source": "world-atlas 2.0.2 countries-110m.json (Natural Earth 1:110m, v4.1.0)",
        "width": WIDTH,
        "height": height,
        "projection": {
            "name": "equal_earth",
            "scale": projection.scale,
            "translate": list(projection.translate),
        },
        "countries": countries,
        "unassigned": unassigned,
    }
    # One country per line keeps diffs of a rebuild readable.
    MAP_JSON.write_text(json.dumps(output, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(
        f"{MAP_JSON.relative_to(ROOT)}: {len(countries)} countries, "
        f"{len(unassigned)} unassigned, "
        f"{WIDTH}x{height}, {MAP_JSON.stat().st_size:,} bytes"
    )


if __name__ == "__main__":
    main()

"""A city's area: its GeoJSON boundary, or a circle around its centre; and the grid that indexes it.

Pure functions, no database. Coordinates are WGS 84 degrees; GeoJSON orders them (lon, lat).
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = 111.32
# Grid cells of a quarter degree (about 28 km north-south) index cities and facilities.
CELL_DEGREES = 0.25
CELLS_PER_ROW = int(360 / CELL_DEGREES)
MAX_BOUNDARY_EXTENT_KM = 400.0
MAX_BOUNDARY_VERTICES = 50_000
DEFAULT_RADIUS_KM = 5.0
# Urban density used to derive a radius from the population (people per km²).
URBAN_DENSITY = 3000.0


class BoundaryError(ValueError):
    """A boundary that cannot serve as a city's area; the message says why."""


def radius_from_population(population: int | None) -> float:
    """The radius of a disc holding the population at a typical urban density, 2–40 km."""
    if not population:
        return DEFAULT_RADIUS_KM
    radius = math.sqrt(population / URBAN_DENSITY / math.pi)
    return round(min(max(radius, 2.0), 40.0), 2)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise BoundaryError(f"{where} needs at least four positions (a closed ring)")
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in position[:2])
        ):
            raise BoundaryError(f"{where} has a position that is not [longitude, latitude]")
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BoundaryError(f"{where} has a position out of range: [{lon}, {lat}]")
    if ring[0][:2] != ring[-1][:2]:
        raise BoundaryError(f"{where} is not closed: its first and last positions differ")


def parse_boundary(geojson: dict[str, Any]) -> Polygon | MultiPolygon:
    """Validate a GeoJSON Polygon or MultiPolygon geometry; raise BoundaryError naming the problem."""
    kind = geojson.get("type")
    coordinates = geojson.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise BoundaryError("the boundary must be a GeoJSON Polygon or MultiPolygon geometry")
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryError("the boundary has no coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    vertices = 0
    for p, polygon in enumerate(polygons):
        if not isinstance(polygon, list) or not polygon:
            raise BoundaryError(f"polygon {p} has no rings")
        for r, ring in enumerate(polygon):
            _check_ring(ring, f"ring {r} of polygon {p}" if kind == "MultiPolygon" else f"ring {r}")
            vertices += len(ring)
    if vertices > MAX_BOUNDARY_VERTICES:
        raise BoundaryError(f"the boundary has {vertices} positions; at most {MAX_BOUNDARY_VERTICES} are allowed")
    geometry = shape({"type": kind, "coordinates": coordinates})
    if not geometry.is_valid:
        raise BoundaryError(f"the boundary is not a valid geometry: {explain_validity(geometry)}")
    if geometry.area == 0:
        raise BoundaryError("the boundary encloses no area")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    mid_lat = (min_lat + max_lat) / 2
    height = (max_lat - min_lat) * KM_PER_DEGREE_LAT
    width = (max_lon - min_lon) * KM_PER_DEGREE_LAT * math.cos(math.radians(mid_lat))
    if max(height, width) > MAX_BOUNDARY_EXTENT_KM:
        raise BoundaryError(
            f"the boundary spans {max(height, width):.0f} km; a city's is at most {MAX_BOUNDARY_EXTENT_KM:.0f} km across"
        )
    return geometry  # type: ignore[return-value]


@dataclass(frozen=True)
class Bounds:
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def cells(self) -> Iterator[int]:
        """The grid cells the box touches."""
        for row in range(_row(self.min_lat), _row(self.max_lat) + 1):
            for col in range(_col(self.min_lon), _col(self.max_lon) + 1):
                yield row * CELLS_PER_ROW + col


def _row(lat: float) -> int:
    return min(int((lat + 90) / CELL_DEGREES), int(180 / CELL_DEGREES) - 1)


def _col(lon: float) -> int:
    return min(int((lon + 180) / CELL_DEGREES), CELLS_PER_ROW - 1)


def cell_of(lat: float, lon: float) -> int:
    return _row(lat) * CELLS_PER_ROW + _col(lon)


@dataclass(frozen=True)
class CityArea:
    """The area a city covers, ready for fast point tests."""

    latitude: float
    longitude: float
    radius_km: float
    boundary: BaseGeometry | None = None

    @classmethod
    def of(cls, *, latitude: float, longitude: float, boundary: dict[str, Any] | None,
           radius_km: float | None, population: int | None) -> "CityArea":
        geometry = parse_boundary(boundary) if boundary else None
        if geometry is not None:
            # Prepared in place: point-in-polygon tests become many times faster.
            shapely.prepare(geometry)
        radius = radius_km if radius_km else radius_from_population(population)
        return cls(latitude, longitude, radius, geometry)

    def bounds(self) -> Bounds:
        if self.boundary is not None:
            min_lon, min_lat, max_lon, max_lat = self.boundary.bounds
            return Bounds(min_lat, min_lon, max_lat, max_lon)
        dlat = self.radius_km / KM_PER_DEGREE_LAT
        cos_lat = max(math.cos(math.radians(self.latitude)), 0.01)
        dlon = self.radius_km / (KM_PER_DEGREE_LAT * cos_lat)
        return Bounds(
            max(self.latitude - dlat, -90), max(self.longitude - dlon, -180),
            min(self.latitude + dlat, 90), min(self.longitude + dlon, 180),
        )

    def cells(self) -> list[int]:
        return list(self.bounds().cells())

    def contains(self, latitude: float, longitude: float) -> bool:
        if self.boundary is not None:
            return bool(self.boundary.covers(Point(longitude, latitude)))
        return haversine_km(self.latitude, self.longitude, latitude, longitude) <= self.radius_km


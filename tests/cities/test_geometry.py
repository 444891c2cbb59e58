"""City areas and the grid index, as pure functions."""


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.cities.geometry import (
    BoundaryError, CityArea, Bounds, cell_of, haversine_km, parse_boundary, radius_from_population,
)

SQUARE = {"type": "Polygon", "coordinates": [[[4.8, 45.7], [4.9, 45.7], [4.9, 45.8], [4.8, 45.8], [4.8, 45.7]]]}


def test_radius_grows_with_population_within_bounds() -> None:
    assert radius_from_population(None) == 5.0
    assert radius_from_population(1_000) == 2.0
    assert 7 < radius_from_population(500_000) < 8
    assert radius_from_population(40_000_000) == 40.0


def test_haversine_matches_a_known_distance() -> None:
    # Lyon to Paris is about 392 km as the crow flies.
    assert 385 < haversine_km(45.764, 4.8357, 48.8566, 2.3522) < 400


def test_a_circle_contains_points_within_its_radius() -> None:
    area = CityArea.of(latitude=45.0, longitude=5.0, boundary=None, radius_km=10, population=None)
    north_9km = 45.0 + 9 / 111.2
    north_11km = 45.0 + 11 / 111.2
    assert area.contains(north_9km, 5.0)
    assert not area.contains(north_11km, 5.0)


def test_a_boundary_takes_precedence_over_the_circle() -> None:
    area = CityArea.of(latitude=45.75, longitude=4.85, boundary=SQUARE, radius_km=100, population=None)
    assert area.contains(45.75, 4.85)
    assert area.contains(45.7, 4.85)  # on the edge counts as inside
    assert not area.contains(45.75, 4.95)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [1, 2]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "not closed"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least four positions"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "not a valid geometry"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]}, "out of range"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]}, "km across"),
        ({"type": "Polygon", "coordinates": [[[0, 0], ["a", 0], [1, 1], [0, 0]]]}, "not [longitude, latitude]"),
        ({"type": "Polygon", "coordinates": []}, "no coordinates"),
    ],
)
def test_invalid_boundaries_say_what_is_wrong(geometry: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(BoundaryError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_boundary(geometry)


def test_a_multipolygon_is_accepted() -> None:
    second = [[[5.0, 45.0], [5.1, 45.0], [5.1, 45.1], [5.0, 45.0]]]
    geometry = parse_boundary({"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], second]})
    assert geometry.geom_type == "MultiPolygon"


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-60, 60), lon=st.floats(-170, 170), radius=st.floats(1, 40),
    dlat=st.floats(-0.6, 0.6), dlon=st.floats(-0.6, 0.6),
)
def test_the_grid_never_misses_a_point_inside_the_area(lat: float, lon: float, radius: float, dlat: float, dlon: float) -> None:
    """Co-location through the grid agrees with a brute-force containment test."""
    area = CityArea.of(latitude=lat, longitude=lon, boundary=None, radius_km=radius, population=None)
    point = (lat + dlat, lon + dlon)
    if area.contains(*point):
        assert cell_of(*point) in area.cells()


def test_bounds_cells_cover_the_box() -> None:
    box = Bounds(45.0, 4.0, 45.6, 4.3)
    cells = set(box.cells())
    for lat in (45.0, 45.3, 45.6):
        for lon in (4.0, 4.15, 4.3):
            assert cell_of(lat, lon) in cells
    assert len(cells) == 3 * 2  # rows 45.00–45.75 (three cells), columns 4.00–4.50 (two)

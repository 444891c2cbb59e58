"""The data standards Citypact speaks: ISO 3166 codes, ISIC sections, GPC sectors, ISO 17442 LEIs."""

from enum import StrEnum
from typing import Annotated

import pycountry
from pydantic import AfterValidator, Field
from stdnum import lei as stdnum_lei
from stdnum.iso7064 import mod_97_10
from stdnum.exceptions import ValidationError as StdnumError


class GpcSector(StrEnum):
    """City inventory sectors of the GHG Protocol for Cities (GPC)."""

    STATIONARY_ENERGY = "stationary_energy"
    TRANSPORTATION = "transportation"
    WASTE = "waste"
    IPPU = "ippu"
    AFOLU = "afolu"


class IsicSection(StrEnum):
    """ISIC Rev.4 sections."""

    A = "A"  # Agriculture, forestry and fishing
    B = "B"  # Mining and quarrying
    C = "C"  # Manufacturing
    D = "D"  # Electricity, gas, steam and air conditioning supply
    E = "E"  # Water supply; sewerage, waste management and remediation
    F = "F"  # Construction
    G = "G"  # Wholesale and retail trade
    H = "H"  # Transportation and storage
    I = "I"  # Accommodation and food service  # noqa: E741
    J = "J"  # Information and communication
    K = "K"  # Financial and insurance activities
    L = "L"  # Real estate activities
    M = "M"  # Professional, scientific and technical activities
    N = "N"  # Administrative and support service activities
    O = "O"  # Public administration and defence  # noqa: E741
    P = "P"  # Education
    Q = "Q"  # Human health and social work
    R = "R"  # Arts, entertainment and recreation
    S = "S"  # Other service activities
    T = "T"  # Activities of households as employers
    U = "U"  # Extraterritorial organisations


ISIC_NAMES = {
    "A": "Agriculture, forestry and fishing", "B": "Mining and quarrying", "C": "Manufacturing",
    "D": "Electricity, gas, steam and air conditioning supply",
    "E": "Water supply, sewerage, waste management and remediation", "F": "Construction",
    "G": "Wholesale and retail trade", "H": "Transportation and storage",
    "I": "Accommodation and food service", "J": "Information and communication",
    "K": "Financial and insurance activities", "L": "Real estate activities",
    "M": "Professional, scientific and technical activities", "N": "Administrative and support services",
    "O": "Public administration and defence", "P": "Education", "Q": "Human health and social work",
    "R": "Arts, entertainment and recreation", "S": "Other service activities",
    "T": "Households as employers", "U": "Extraterritorial organisations",
}


def country_code(value: str) -> str:
    code = value.upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def subdivision_code(value: str) -> str:
    code = value.upper()
    if pycountry.subdivisions.get(code=code) is None:
        raise ValueError(f"{value!r} is not an ISO 3166-2 subdivision code")
    return code


def subdivision_in_country(subdivision: str, country: str) -> bool:
    found = pycountry.subdivisions.get(code=subdivision)
    return found is not None and found.country_code == country


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return found.name if found else code


def lei(value: str) -> str:
    """An ISO 17442 Legal Entity Identifier, check digits verified (ISO 7064 mod 97-10)."""
    try:
        return str(stdnum_lei.validate(value))
    except StdnumError as exc:
        raise ValueError(f"{value!r} is not a valid LEI: {exc}") from exc


def complete_lei(base: str) -> str:
    """The LEI whose first 18 characters are `base`, with its two check digits."""
    return base + mod_97_10.calc_check_digits(base)


CountryCode = Annotated[str, Field(min_length=2, max_length=2, examples=["FR"]), AfterValidator(country_code)]
SubdivisionCode = Annotated[str, Field(min_length=4, max_length=6, examples=["FR-ARA"]), AfterValidator(subdivision_code)]
Lei = Annotated[str, Field(min_length=20, max_length=20, examples=["529900T8BM49AURSDO55"]), AfterValidator(lei)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Tonnes = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False, description="Tonnes CO2e, never negative.")]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Year = Annotated[int, Field(ge=1990, le=2100)]

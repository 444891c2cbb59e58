"""Who may call each route, declared on the route itself (`openapi_extra=access.X`) and published in
the OpenAPI document as `x-access`. A test walks every route and fails on one without it; the
checks themselves run in the route's dependencies and policy functions."""

from typing import Any


def rule(text: str) -> dict[str, Any]:
    return {"x-access": text}


PUBLIC = rule("public")
SIGNED_IN = rule("signed-in users")
PLATFORM_ADMINS = rule("platform administrators")


def role(needed: str, organisation: str) -> dict[str, Any]:
    """E.g. role("editors", "city"): editors and admins of the city, and platform administrators."""
    return rule(f"{needed} of the {organisation}")

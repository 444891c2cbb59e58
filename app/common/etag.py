"""ETags from row versions, and `If-Match` checks for PATCH."""

from fastapi import Request, Response

from app.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(request: Request, version: int) -> None:
    """Refuse an edit made against a version that is no longer current (412)."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return
    wanted = {part.strip().removeprefix("W/") for part in header.split(",")}
    if etag(version) not in wanted:
        raise PreconditionFailed(
            f"The resource has changed since you read it (now {etag(version)}); reload it and apply your edit again."
        )


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)

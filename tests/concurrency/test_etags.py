"""Two edits made against the same version, at the same time: exactly one wins."""

import asyncio

import httpx

from tests.concurrency.conftest import signed_up
from tests.factories import LYON


async def test_concurrent_edits_with_one_etag_let_exactly_one_through(api: httpx.AsyncClient) -> None:
    headers = await signed_up(api, "officer@example.org")
    city = await api.post("/cities", json=LYON, headers=headers)
    url, etag = f"/cities/{city.json()['id']}", city.headers["etag"]
    for attempt in range(5):
        current = (await api.get(url)).headers["etag"]
        results = await asyncio.gather(*(
            api.patch(url, json={"population": 600_000 + attempt * 10 + n}, headers=headers | {"If-Match": current})
            for n in range(2)
        ))
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 412], [r.text for r in results]
        winner = next(r for r in results if r.status_code == 200)
        assert (await api.get(url)).json()["population"] == winner.json()["population"]
    assert etag != (await api.get(url)).headers["etag"]

"""A small closed-loop HTTP load driver: N connections, each sending its next request when the
last one answered, for a fixed time. Loopback only; it stops by itself."""

import asyncio
import itertools
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


RequestMaker = Callable[[int], tuple[str, str, dict]]  # n → (method, path, httpx keyword arguments)


async def run(
    name: str, base_url: str, make: RequestMaker | Sequence[str], *, connections: int = 64, seconds: float = 10.0,
    ok: Callable[[int], bool] = lambda status: status < 400,
) -> Result:
    if not callable(make):
        paths = list(make)
        make = lambda n: ("GET", paths[n % len(paths)], {})  # noqa: E731
    counter = itertools.count()
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                method, path, kwargs = make(next(counter))  # type: ignore[operator]
                started = time.perf_counter()
                try:
                    response = await client.request(method, path, **kwargs)
                    if not ok(response.status_code):
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return Result(name, len(latencies), errors, elapsed, latencies)

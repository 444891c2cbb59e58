"""Load with a realistic mix against `citypact serve --workers 2` on PostgreSQL — public pages and
dashboards, report submissions with idempotency keys, matching, project edits — first steady, then
with faults injected: a worker is killed and every database connection is cut, once each, and the
database refuses new connections for a few seconds. Clients retry with the same idempotency keys;
afterwards every acknowledged submission must be stored exactly once.

    python bench/faults.py [--seconds 60] [--clients 32]

Loopback only; the load stops by itself. Prints one table (also written to bench/results/faults.md).
"""

import argparse
import asyncio
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.demo import load as demo_load  # noqa: E402
from app.demo.generate import generate  # noqa: E402
from app.migrations import upgrade  # noqa: E402
from app.config import async_database_url  # noqa: E402
from bench.run import ADMIN_URL, record, recreate_database  # noqa: E402

YEARS = list(range(1990, 2015))  # submissions use years the demo never holds
DATABASE = "citypact_faults"


async def prepare(url: str) -> None:
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        await demo_load.load(session, generate("small"))
        await session.commit()
    await engine.dispose()


async def sign_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", data={"username": email, "password": "citypact demo"})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.statuses: Counter[int] = Counter()
        self.retries = 0
        self.acknowledged: dict[str, tuple[str, int]] = {}  # idempotency key → (company, year)
        self.by_kind: dict[str, list[float]] = defaultdict(list)

    def answered(self, kind: str, started: float) -> None:
        milliseconds = (time.perf_counter() - started) * 1000
        self.latencies.append(milliseconds)
        self.by_kind[kind].append(milliseconds)

    def summary(self, elapsed: float, clients: int) -> str:
        kinds = "; ".join(f"{kind} {len(values):,}: {percentiles(values)}" for kind, values in sorted(self.by_kind.items()))
        return (f"{len(self.latencies):,} answers in {elapsed:.0f} s ({len(self.latencies) / elapsed:,.0f}/s), "
                f"{clients} clients, {percentiles(self.latencies)}, {self.errors} errors {dict(self.statuses)}, "
                f"{self.retries} retries ({kinds})")


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")  # noqa: E731
    return f"p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms"


@dataclass
class Officer:
    headers: dict[str, str]
    city_id: str
    projects: list[str]


async def submit(client: httpx.AsyncClient, headers: dict[str, str], company: str, year: int, stats: Stats) -> None:
    """A report submission, retried with the same key until it is acknowledged (or time runs out)."""
    key = uuid.uuid4().hex
    body = {"reporting_year": year, "scope1_tco2e": 100.0, "scope2_location_tco2e": 50.0,
            "boundary": "operational_control", "methodology": "GHG Protocol"}
    for attempt in range(20):
        started = time.perf_counter()
        try:
            response = await client.post(f"/api/v1/companies/{company}/reports", json=body,
                                         headers=headers | {"Idempotency-Key": key}, timeout=10)
            stats.answered("report submission", started)
            if response.status_code in (200, 201):
                stats.acknowledged[key] = (company, year)
                return
            if response.status_code == 409 and attempt == 0:
                return  # the year is taken by another client: not a fault
            if response.status_code < 500:
                stats.errors += 1
                stats.statuses[response.status_code] += 1
                return
        except httpx.HTTPError:
            pass
        stats.retries += 1
        await asyncio.sleep(0.2 * (attempt + 1))
    stats.errors += 1


async def edit_project(client: httpx.AsyncClient, officer: Officer, project: str, stats: Stats) -> httpx.Response:
    """A city editor's edit, guarded by the ETag just read: a concurrent edit makes it 412, not a loss."""
    current = await client.get(f"/api/v1/projects/{project}", timeout=10)
    if current.status_code != 200:
        return current
    return await client.patch(f"/api/v1/projects/{project}", json={"description": f"Edited at {time.time():.3f}"},
                              headers=officer.headers | {"If-Match": current.headers["etag"]}, timeout=10)


async def client_loop(base: str, deadline: float, stats: Stats, paths: list[str],
                      submissions: list[tuple[tuple[dict[str, str], str], int]], officers: list[Officer],
                      rng: random.Random) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        while time.perf_counter() < deadline:
            draw = rng.random()
            if draw < 0.2 and submissions:
                (headers, company), year = submissions.pop()
                await submit(client, headers, company, year, stats)
                continue
            started = time.perf_counter()
            try:
                if draw < 0.3:
                    officer = rng.choice(officers)
                    kind = "matching"
                    response = await client.get(f"/api/v1/cities/{officer.city_id}/matches", headers=officer.headers,
                                                timeout=10)
                elif draw < 0.35:
                    officer = rng.choice([o for o in officers if o.projects])
                    kind = "project edit"
                    response = await edit_project(client, officer, rng.choice(officer.projects), stats)
                else:
                    kind = "public read"
                    response = await client.get(rng.choice(paths), timeout=10)
                stats.answered(kind, started)
                if response.status_code == 503:
                    stats.retries += 1
                elif response.status_code >= 400 and response.status_code != 412:
                    stats.errors += 1
                    stats.statuses[response.status_code] += 1
            except httpx.HTTPError:
                stats.retries += 1


async def city_officers(url: str, client: httpx.AsyncClient) -> list[Officer]:
    """The demo's city officers, signed in, with their cities' projects."""
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT u.email, m.organization_id, array_remove(array_agg(p.id::text), NULL) FROM app_user u "
            "JOIN membership m ON m.user_id = u.id JOIN city c ON c.id = m.organization_id "
            "LEFT JOIN project p ON p.city_id = c.id AND p.status NOT IN ('completed', 'cancelled') "
            "WHERE m.role = 'admin' GROUP BY u.email, m.organization_id ORDER BY count(p.id) DESC LIMIT 10"
        ))).all()
    await engine.dispose()
    return [Officer(await sign_in(client, email), str(city), projects) for email, city, projects in rows]


async def faults(url: str, server: subprocess.Popen[bytes], base: str, seconds: float, log: list[str]) -> None:
    # From the maintenance database: a database cannot shut its own doors.
    engine = make_engine(async_database_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    database = url.rsplit("/", 1)[1]
    await asyncio.sleep(seconds * 0.25)
    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    if workers:
        os.kill(int(workers[0]), signal.SIGKILL)
        log.append(f"killed worker {workers[0]}")
    await asyncio.sleep(seconds * 0.25)
    async with engine.connect() as connection:
        cut = (await connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
        ), {"db": database})).scalar()
        log.append(f"terminated {cut} database connections")
        await connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
        await connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"
        ), {"db": database})
    async with httpx.AsyncClient(base_url=base) as client:
        ready = (await client.get("/api/v1/ready", timeout=10)).status_code
    log.append(f"database refusing connections: /ready answered {ready}")
    await asyncio.sleep(3)
    async with engine.connect() as connection:
        await connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
    reopened = time.perf_counter()
    async with httpx.AsyncClient(base_url=base) as client:
        # The first request on each pooled connection the cut left behind finds it broken (503).
        while (ready := (await client.get("/api/v1/ready", timeout=10)).status_code) != 200:
            if time.perf_counter() - reopened > 10:
                break
            await asyncio.sleep(0.2)
    log.append(f"database open again: /ready answered {ready} after {time.perf_counter() - reopened:.1f} s")
    await engine.dispose()


async def main_async(args: argparse.Namespace) -> str:
    url = await recreate_database(DATABASE)
    await asyncio.to_thread(upgrade, url)
    await prepare(url)
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    server_log = (ROOT / "bench" / "results" / "faults-server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(number), "--workers", "2"],
                              env=os.environ | {"CITYPACT_DATABASE_URL": url, "CITYPACT_LOG_LEVEL": "WARNING"},
                              stdout=server_log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{number}"
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(100):
            try:
                if (await client.get("/api/v1/health")).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.3)
        cities = [c["id"] for c in (await client.get("/api/v1/cities", params={"limit": 50})).json()["items"]]
        companies = [c["id"] for c in (await client.get("/api/v1/companies", params={"limit": 50})).json()["items"]]
        networks = [n["id"] for n in (await client.get("/api/v1/networks")).json()["items"]]
        writers = []
        for n in range(args.writers):
            headers = await sign_in(client, f"team@company-{n}.citypact.demo")
            me = (await client.get("/api/v1/users/me", headers=headers)).json()
            writers.append((headers, me["memberships"][0]["organization_id"]))
        officers = await city_officers(url, client)
    company_ids = {c: None for _, c in writers}
    paths = ([f"/api/v1/cities/{c}" for c in cities] + [f"/cities/{c}" for c in cities[:10]]
             + [f"/api/v1/companies/{c}" for c in companies] + [f"/api/v1/networks/{n}/progress" for n in networks]
             + [f"/networks/{n}" for n in networks] + [f"/api/v1/cities/{c}/progress" for c in cities])
    rng = random.Random(7)
    submissions = [(w, y) for w in writers for y in YEARS]
    rng.shuffle(submissions)

    async def run(seconds: float, *concurrent: Any) -> tuple[Stats, float]:
        stats = Stats()
        started = time.perf_counter()
        await asyncio.gather(*concurrent, *(
            client_loop(base, started + seconds, stats, paths, submissions, officers, random.Random(n))
            for n in range(args.clients)
        ))
        return stats, time.perf_counter() - started

    log: list[str] = []
    acknowledged: set[tuple[str, int]] = set()
    try:
        steady, steady_elapsed = await run(args.seconds)
        faulty, faulty_elapsed = await run(args.seconds, faults(url, server, base, args.seconds, log))
        stored = await stored_submissions(url, list(company_ids))
    finally:
        server.terminate()
        server.wait(timeout=30)
    for stats in (steady, faulty):
        acknowledged |= set(stats.acknowledged.values())
    duplicates = sum(1 for count in stored.values() if count > 1)
    missing = sum(1 for pair in acknowledged if stored.get(pair, 0) == 0)
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores), small demo data set, "
        "`citypact serve --workers 2`.",
        "",
        f"- steady: {steady.summary(steady_elapsed, args.clients)}",
        f"- with faults: {faulty.summary(faulty_elapsed, args.clients)} (retries: 503 during the outage, or a cut "
        "connection)",
        f"- {len(acknowledged)} submissions acknowledged; stored: {missing} missing, {duplicates} twice",
        *[f"- {entry}" for entry in log],
    ]
    return "\n".join(lines)


async def stored_submissions(url: str, companies: list[str]) -> dict[tuple[str, int], int]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT company_id, reporting_year, count(*) FROM emissions_report WHERE reporting_year < 2015 "
            "GROUP BY company_id, reporting_year"))
        stored = {(str(company), year): count for company, year, count in rows}
    await engine.dispose()
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--writers", type=int, default=40, help="companies submitting reports")
    output = asyncio.run(main_async(parser.parse_args()))
    print(output)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "faults.md").write_text(output + "\n")
    record(output, "faults")


if __name__ == "__main__":
    main()

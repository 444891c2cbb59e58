"""Load with a realistic mix against `citypact serve --workers 2` on PostgreSQL, with faults injected
while it runs: a worker is killed and every database connection is cut, once each, and the database
refuses new connections for a few seconds. Clients retry with the same idempotency keys; afterwards
every acknowledged submission must be stored exactly once.

    python bench/faults.py [--seconds 60] [--clients 32]

Loopback only; the load stops by itself. Prints one table (also written to bench/results/faults.md).
"""

import argparse
import asyncio
from collections import Counter
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

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
            stats.latencies.append((time.perf_counter() - started) * 1000)
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


async def client_loop(base: str, deadline: float, stats: Stats, paths: list[str],
                      submissions: list[tuple[tuple[dict[str, str], str], int]], rng: random.Random) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        while time.perf_counter() < deadline:
            if rng.random() < 0.2 and submissions:
                (headers, company), year = submissions.pop()
                await submit(client, headers, company, year, stats)
                continue
            started = time.perf_counter()
            try:
                response = await client.get(rng.choice(paths), timeout=10)
                stats.latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code >= 500 and response.status_code != 503:
                    stats.errors += 1
                    stats.statuses[response.status_code] += 1
            except httpx.HTTPError:
                stats.retries += 1


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
    async with httpx.AsyncClient(base_url=base) as client:
        await asyncio.sleep(1)
        log.append(f"database back: /ready answered {(await client.get('/api/v1/ready', timeout=10)).status_code}")
    await engine.dispose()


async def main_async(args: argparse.Namespace) -> str:
    url = await recreate_database()
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
    company_ids = {c: None for _, c in writers}
    paths = ([f"/api/v1/cities/{c}" for c in cities] + [f"/cities/{c}" for c in cities[:10]]
             + [f"/api/v1/companies/{c}" for c in companies] + [f"/api/v1/networks/{n}/progress" for n in networks]
             + [f"/networks/{n}" for n in networks] + [f"/api/v1/cities/{c}/progress" for c in cities])
    rng = random.Random(7)
    stats, log = Stats(), []
    submissions = [(w, y) for w in writers for y in YEARS]
    rng.shuffle(submissions)
    deadline = time.perf_counter() + args.seconds
    started = time.perf_counter()
    try:
        await asyncio.gather(
            faults(url, server, base, args.seconds, log),
            *(client_loop(base, deadline, stats, paths, submissions, random.Random(n)) for n in range(args.clients)),
        )
        elapsed = time.perf_counter() - started
        stored = await stored_submissions(url, list(company_ids))
    finally:
        server.terminate()
        server.wait(timeout=30)
    acknowledged = {(c, y) for c, y in stats.acknowledged.values()}
    duplicates = sum(1 for count in stored.values() if count > 1)
    missing = sum(1 for pair in acknowledged if stored.get(pair, 0) == 0)
    latencies = sorted(stats.latencies)
    p = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] if latencies else float("nan")  # noqa: E731
    lines = [
        f"{len(latencies):,} answers in {elapsed:.0f} s ({len(latencies) / elapsed:,.0f}/s), {args.clients} clients, "
        f"p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms, {stats.errors} errors {dict(stats.statuses)}, "
        f"{stats.retries} retries (503 during the outage, or a cut connection)",
        f"{len(acknowledged)} submissions acknowledged; stored: {missing} missing, {duplicates} twice",
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

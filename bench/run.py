"""The country-scale benchmark: load the large demo into PostgreSQL, serve it, measure it beside the
stack's ceiling in the same run, and print (and record) the table.

    python bench/run.py [--scale large] [--seconds 15] [--connections 64]

Loopback only; every load run is bounded in time. Needs PostgreSQL at CITYPACT_BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/postgres) and wrk (make bench installs it).
"""

import argparse
import asyncio
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.badges.service import reconcile_companies  # noqa: E402
from app.cities.geometry import CityArea, cell_of  # noqa: E402
from app.common import driver  # noqa: E402
from app.config import async_database_url  # noqa: E402
from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.demo import load as demo_load  # noqa: E402
from app.demo.generate import generate  # noqa: E402
from app.migrations import upgrade  # noqa: E402
from bench.grow_city import grow  # noqa: E402

# Matching is measured on the busiest city, grown to this many co-located firms (bench/grow_city.py).
MATCHING_FIRMS = 5_000
# Heavy answers (aggregates, rankings) are measured for latency with a few connections; at 64 a
# queue forms in front of one worker and p99 measures the queue, not the answer.
LATENCY_CONNECTIONS = 4
# Submissions are measured at this many connections, beside the write ceiling at as many.
WRITE_CONNECTIONS = 16
# Each read is first served this long, untimed: its statements prepared on every pooled connection, its
# pages in the cache.
WARM_SECONDS = 2
ADMIN_URL = os.environ.get("CITYPACT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "citypact_bench"
README = ROOT / "bench" / "README.md"
RESULTS = ROOT / "bench" / "results"


@dataclass
class Row:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    goal: str
    ratio: float | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def recreate_database(name: str = DATABASE) -> str:
    admin = make_engine(async_database_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(async_database_url(ADMIN_URL)).set(database=name).render_as_string(hide_password=False)


async def load_data(url: str, scale: str, timings: dict[str, float]) -> None:
    started = time.perf_counter()
    data = generate(scale)
    timings["generate"] = time.perf_counter() - started
    engine = make_engine(url)
    started = time.perf_counter()
    async with make_sessionmaker(engine)() as session:
        counts = await demo_load.load(session, data)
        await session.commit()
    timings["load"] = time.perf_counter() - started
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    await engine.dispose()
    timings["rows"] = float(sum(counts.values()))
    timings["colocation"] = colocate(data)


def colocate(data) -> float:  # type: ignore[no-untyped-def]
    """Time co-location of every facility against every city through the grid index."""
    started = time.perf_counter()
    areas = [CityArea.of(latitude=c["latitude"], longitude=c["longitude"], boundary=c["boundary"],
                         radius_km=c["radius_km"], population=c["population"]) for c in data.rows["city"]]
    grid: dict[int, list[int]] = {}
    for index, area in enumerate(areas):
        for cell in area.cells():
            grid.setdefault(cell, []).append(index)
    links = 0
    for facility in data.rows["facility"]:
        lat, lon = facility["latitude"], facility["longitude"]
        links += sum(1 for i in grid.get(cell_of(lat, lon), ()) if areas[i].contains(lat, lon))
    return time.perf_counter() - started


async def analyze(url: str, *tables: str) -> None:
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f"VACUUM ANALYZE {', '.join(tables)}"))
    await engine.dispose()


async def settle_badges(url: str, company_ids: list[str]) -> None:
    """Award the badges the companies' facts earn, as `citypact demo` does for every company (here
    only for those that submit during the run: all 100,000 take minutes), so that their first
    submission settles no backlog."""
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        await reconcile_companies(session, company_ids=[uuid.UUID(c) for c in company_ids], reason="Demo data loaded.")
        await session.commit()
    await engine.dispose()


async def sample_ids(url: str) -> dict[str, list[str]]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        fetch = lambda sql: connection.execute(text(sql))  # noqa: E731
        cities = [str(r[0]) for r in await fetch("SELECT id FROM city ORDER BY random() LIMIT 1000")]
        companies = [str(r[0]) for r in await fetch("SELECT id FROM company ORDER BY random() LIMIT 1000")]
        network = [str(r[0]) for r in await fetch(
            "SELECT network_id FROM network_city GROUP BY network_id ORDER BY count(*) DESC LIMIT 1")]
        projects = [str(r[0]) for r in await fetch("SELECT id FROM project ORDER BY random() LIMIT 500")]
        # Submissions take the years from 1990 on: only companies that hold none of them yet, so
        # that a run on a data set a previous run wrote to (--reuse) submits afresh too.
        writers = [str(r[0]) for r in await fetch(
            "SELECT id FROM company c WHERE NOT EXISTS (SELECT FROM emissions_report r WHERE r.company_id = c.id "
            "AND r.reporting_year < 2015) ORDER BY random() LIMIT 2500")]
        busiest = [str(r[0]) for r in await fetch(
            "SELECT city_id FROM facility_city GROUP BY city_id ORDER BY count(DISTINCT company_id) DESC LIMIT 1")]
        sizes = {
            "network_members": (await fetch(f"SELECT count(*) FROM network_city WHERE network_id = '{network[0]}'")).scalar(),
            "busiest_city_companies": (await fetch(
                f"SELECT count(DISTINCT company_id) FROM facility_city WHERE city_id = '{busiest[0]}'")).scalar(),
        }
    await engine.dispose()
    return {"cities": cities, "companies": companies, "network": network, "busiest": busiest, "projects": projects,
            "writers": writers,
            "sizes": [str(sizes["network_members"]), str(sizes["busiest_city_companies"])]}


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{command} did not start")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the uvicorn workers)."""
    total = 0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
            total = max(total, int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))  # type: ignore[union-attr]
        except (OSError, AttributeError):
            pass
    return total / 1024


def wrk(base: str, paths: list[str], seconds: int, connections: int, **env: str) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths))
    result = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(ROOT / "bench" / "wrk.lua"), base],
        env=os.environ | {"BENCH_PATHS": handle.name} | env, capture_output=True, text=True, timeout=seconds + 60,
    )
    line = [line for line in result.stdout.splitlines() if line.startswith("{")][-1]
    figures = json.loads(line)
    return {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6), "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000, "errors": figures["errors"],
    }


def table(rows: list[Row], timings: dict[str, float], memory: float, note: str, minutes: float) -> str:
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL). {note}",
        "",
        "| measure | req/s | p50 ms | p99 ms | errors | vs ceiling | goal |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else ""
        lines.append(f"| {row.name} | {row.rps:,.0f} | {row.p50_ms:.1f} | {row.p99_ms:.1f} | {row.errors} | {ratio} | {row.goal} |")
    lines += [
        "",
        f"- data set: {timings['rows']:,.0f} rows generated in {timings['generate']:.0f} s and loaded in {timings['load']:.0f} s",
        f"- co-location of every facility against every city (grid index): {timings['colocation']:.1f} s (goal < 60 s)",
        f"- largest resident memory of a worker during the run: {memory:.0f} MB (goal < 250 MB)",
        f"- the whole run: {minutes:.1f} minutes (goal < 15)",
    ]
    return "\n".join(lines)


def record(text_table: str, section: str = "results") -> None:
    """Keep the figures in bench/README.md, between the markers of their section."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{section}.md").write_text(text_table + "\n")
    readme = README.read_text()
    start, end = f"<!-- {section} -->", f"<!-- /{section} -->"
    if start in readme and end in readme:
        head, rest = readme.split(start, 1)
        readme = head + start + "\n" + text_table + "\n" + end + rest.split(end, 1)[1]
        README.write_text(readme)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--reuse", action="store_true", help="measure the data set loaded by the last run")
    args = parser.parse_args()
    started = time.perf_counter()

    timings: dict[str, float] = {}
    if args.reuse:
        url = make_url(async_database_url(ADMIN_URL)).set(database=DATABASE).render_as_string(hide_password=False)
        timings = json.loads((RESULTS / "load.json").read_text())
    else:
        url = asyncio.run(recreate_database())
        print(f"migrating {DATABASE} …", flush=True)
        upgrade(url)
        print(f"generating and loading the {args.scale} data set …", flush=True)
        asyncio.run(load_data(url, args.scale, timings))
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "load.json").write_text(json.dumps(timings))
    asyncio.run(grow(url, None, MATCHING_FIRMS, seed=MATCHING_FIRMS))
    asyncio.run(analyze(url, "facility", "facility_city", "company_rollup"))
    ids = asyncio.run(sample_ids(url))
    asyncio.run(settle_badges(url, ids["writers"]))
    print(f"loaded {timings['rows']:,.0f} rows; network of {ids['sizes'][0]} cities, busiest city holds "
          f"{ids['sizes'][1]} companies", flush=True)

    app_port, fresh_port, ceiling_port = free_port(), free_port(), free_port()
    plain_dsn = driver.dsn(url)
    served = {"CITYPACT_DATABASE_URL": url, "CITYPACT_LOG_LEVEL": "WARNING"}
    app = start([sys.executable, "-m", "app", "serve", "--port", str(app_port), "--workers", "1"], served, app_port)
    # The same app keeping no answers: what the first officer to ask after a change waits for.
    fresh = start([sys.executable, "-m", "app", "serve", "--port", str(fresh_port), "--workers", "1"],
                  served | {"CITYPACT_KEEP_ANSWERS": "false"}, fresh_port)
    ceiling = start([sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"), "ceiling:app", "--port",
                     str(ceiling_port), "--log-level", "warning", "--no-access-log"],
                    {"BENCH_CEILING_DSN": plain_dsn}, ceiling_port)
    subprocess.run([sys.executable, "-m", "app", "create-admin", "--email", "bench@citypact.demo", "--password", "bench password"],  # noqa: E501
                   env=os.environ | {"CITYPACT_DATABASE_URL": url}, check=True, capture_output=True)
    memory = 0.0
    try:
        app_base, ceiling_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{ceiling_port}"
        fresh_base = f"http://127.0.0.1:{fresh_port}"
        cities = ids["cities"]
        # Warm both servers' pools and caches.
        wrk(ceiling_base, [f"/cities/{c}" for c in cities], 3, args.connections)
        wrk(app_base, [f"/api/v1/cities/{c}" for c in cities], 3, args.connections)
        ceiling_figures = wrk(ceiling_base, [f"/cities/{c}" for c in cities], args.seconds, args.connections)
        rows = [Row("ceiling: Starlette + asyncpg, one row by key", **ceiling_figures, goal="—")]
        token = httpx.post(f"{app_base}/api/v1/auth/token", data={"username": "bench@citypact.demo", "password": "bench password"}).json()["access_token"]
        report = json.dumps({"reporting_year": 0, "scope1_tco2e": 120.5, "scope2_location_tco2e": 40.0,
                             "boundary": "operational_control", "methodology": "GHG Protocol"}).replace("0,", "YEAR,", 1)
        writes = {"BENCH_METHOD": "POST", "BENCH_BODY": report}
        warm, writers = ids["writers"][:500], ids["writers"][500:]
        # Each measure: name, paths, goal, the ceiling it is compared with (if any), wrk's environment,
        # connections, and the server asked.
        measures = [
            ("GET /cities/{id}", [f"/api/v1/cities/{c}" for c in cities], "≥ 0.5× ceiling, p99 < 50 ms", "read",
             {}, args.connections, app_base),
            ("GET /companies/{id}", [f"/api/v1/companies/{c}" for c in ids["companies"]], "≥ 0.5× ceiling, p99 < 50 ms",
             "read", {}, args.connections, app_base),
            ("GET /cities/{id}/progress", [f"/api/v1/cities/{c}/progress" for c in cities], "p99 < 10 ms", None,
             {}, LATENCY_CONNECTIONS, app_base),
            (f"GET /networks/{{id}}/progress ({ids['sizes'][0]} cities)", [f"/api/v1/networks/{ids['network'][0]}/progress"],
             "p99 < 25 ms", None, {}, LATENCY_CONNECTIONS, app_base),
            ("GET /projects/{id}", [f"/api/v1/projects/{p}" for p in ids["projects"]], "≥ 0.5× ceiling, p99 < 50 ms", "read",
             {}, args.connections, app_base),
            # One officer's answer, then four asked at once: kept, and read afresh every time.
            *((f"GET /cities/{{id}}/matches ({ids['sizes'][1]} firms, {kind})", [f"/api/v1/cities/{ids['busiest'][0]}/matches"],
               "p99 < 100 ms", None, {"BENCH_TOKEN": token}, connections, base)
              for kind, base in (("kept", app_base), ("read afresh", fresh_base)) for connections in (1, LATENCY_CONNECTIONS)),
            ("POST /companies/{id}/reports (with Idempotency-Key)", [f"/api/v1/companies/{c}/reports" for c in writers],
             "≥ 500/s, 0 errors", "write", {"BENCH_TOKEN": token, **writes}, WRITE_CONNECTIONS, app_base),
        ]
        # Writes are warmed up too (prepared statements, caches), on companies of their own.
        wrk(ceiling_base, [f"/companies/{c}/reports" for c in warm], 3, WRITE_CONNECTIONS, **writes)
        wrk(app_base, [f"/api/v1/companies/{c}/reports" for c in warm], 3, WRITE_CONNECTIONS, BENCH_TOKEN=token, **writes)
        # The write ceiling, beside the submissions: the same companies, years and connections.
        write_ceiling = wrk(ceiling_base, [f"/companies/{c}/reports" for c in writers], args.seconds,
                            WRITE_CONNECTIONS, **writes)
        ceilings = {"read": ceiling_figures, "write": write_ceiling}
        for name, paths, goal, ceiling_name, env, connections, base in measures:
            if ceiling_name != "write":  # the writes were warmed above, on companies of their own
                wrk(base, paths, WARM_SECONDS, connections, **env)
            figures = wrk(base, paths, args.seconds, connections, **env)
            name = f"{name} [{connections} connections]"
            memory = max(memory, rss_mb(app.pid))
            ratio = figures["rps"] / ceilings[ceiling_name]["rps"] if ceiling_name else None
            rows.append(Row(name, **figures, goal=goal, ratio=ratio))
            print(f"{name}: {figures['rps']:,.0f} req/s, p99 {figures['p99_ms']:.1f} ms", flush=True)
        rows.insert(-1, Row(f"ceiling: Starlette + asyncpg, one keyed row written in a transaction [{WRITE_CONNECTIONS} "
                            "connections]", **write_ceiling, goal="—"))
    finally:
        for process in (app, fresh, ceiling):
            process.terminate()
            process.wait(timeout=30)
    note = f"{args.connections} connections, {args.seconds} s a measure, wrk with 2 threads, one uvicorn worker each."
    output = table(rows, timings, memory, note, (time.perf_counter() - started) / 60)
    print(output)
    record(output)


if __name__ == "__main__":
    random.seed(0)
    main()

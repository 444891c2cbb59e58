"""Backup and restore, as README.md documents them: every report chain and badge still checks afterwards."""

import sqlite3
import subprocess

from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.badges import signing
from app.badges.models import BadgeAssertion
from app.badges.service import check_assertion
from app.common import driver
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.demo import load as demo_load
from app.demo.generate import generate
from app.reports.models import EmissionsReport
from app.reports.service import integrity
from tests.conftest import DatabaseUnderTest, drop_postgres_database, fresh_database_url, migrate


async def _load_demo(url: str) -> None:
    engine = make_engine(url)
    await migrate(engine)
    async with make_sessionmaker(engine)() as session:
        await demo_load.load(session, generate("small"))
        await demo_load.award_badges(session)
        await session.commit()
    await engine.dispose()


async def _all_chains_valid(url: str) -> tuple[int, int]:
    """Every report's chain re-computed, every badge's signature re-checked; returns their counts."""
    engine = make_engine(url)
    issuer = signing.issuer(get_settings())
    async with make_sessionmaker(engine)() as session:
        reports = (await session.scalars(select(EmissionsReport))).all()
        badges = (await session.scalars(select(BadgeAssertion))).all()
        assert reports and badges
        for report in reports:
            assert (await integrity(session, report)).valid, report.id
        for badge in badges:
            assert check_assertion(badge, issuer).signature_valid, badge.id
    await engine.dispose()
    return len(reports), len(badges)


async def test_backup_and_restore_keep_every_chain_intact(database: DatabaseUnderTest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = await fresh_database_url(database.backend, str(tmp_path))
    await _load_demo(source)
    if database.backend == "postgres":
        target = await fresh_database_url("postgres", str(tmp_path))
        dump = tmp_path / "citypact.dump"
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", driver.dsn(source)], check=True)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={driver.dsn(target)}", str(dump)], check=True)
    else:
        target = f"sqlite+aiosqlite:///{tmp_path}/restored.db"
        with sqlite3.connect(make_url(source).database) as live, sqlite3.connect(make_url(target).database) as copy:
            live.backup(copy)
    try:
        assert await _all_chains_valid(target) == await _all_chains_valid(source)
    finally:
        if database.backend == "postgres":
            await drop_postgres_database(source)
            await drop_postgres_database(target)

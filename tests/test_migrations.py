"""The migrations build exactly the schema the models describe, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic import command
from sqlalchemy import inspect

from app.db import make_engine
from app.migrations import run_on_connection
from app.models import Base
from tests.conftest import DatabaseUnderTest, drop_postgres_database, fresh_database_url


async def test_models_and_migrations_agree(database: DatabaseUnderTest) -> None:
    def diff(sync_connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(
            sync_connection, opts={"compare_type": True, "target_metadata": Base.metadata}
        )
        return compare_metadata(context, Base.metadata)

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_downgrade_to_base_and_upgrade_again(database: DatabaseUnderTest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database_url(database.backend, str(tmp_path))
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await run_on_connection(connection, command.upgrade, "head")
            await run_on_connection(connection, command.downgrade, "base")
            tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
            assert tables == ["alembic_version"]
            await run_on_connection(connection, command.upgrade, "head")
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert set(Base.metadata.tables) <= tables
            await connection.commit()
    finally:
        await engine.dispose()
        if database.backend == "postgres":
            await drop_postgres_database(url)


async def test_migrations_round_trip_on_a_database_with_data(database: DatabaseUnderTest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Upgrade with data in place (the progress backfill runs on it), downgrade, upgrade again."""
    from sqlalchemy import text

    from app.demo import load as demo_load
    from app.demo.generate import generate
    from app.db import make_sessionmaker

    url = await fresh_database_url(database.backend, str(tmp_path))
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await run_on_connection(connection, command.upgrade, "head")
            await connection.commit()
        async with make_sessionmaker(engine)() as session:
            await demo_load.load(session, generate("small"))
            await session.commit()
        async with engine.connect() as connection:
            await run_on_connection(connection, command.downgrade, "0006")
            await run_on_connection(connection, command.upgrade, "head")
            backfilled = (await connection.execute(text("SELECT count(*) FROM city_progress"))).scalar()
            cities = (await connection.execute(text("SELECT count(*) FROM city"))).scalar()
            assert backfilled == cities == 60
            await run_on_connection(connection, command.downgrade, "base")
            await run_on_connection(connection, command.upgrade, "head")
            await connection.commit()
    finally:
        await engine.dispose()
        if database.backend == "postgres":
            await drop_postgres_database(url)


def test_every_template_and_migration_is_installed_by_the_package() -> None:
    """`pip install .` copies the data files listed in pyproject.toml; none may be left out."""
    import glob
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    listed = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    installed = {Path(path) for patterns in listed.values() for pattern in patterns for path in glob.glob(str(root / pattern))}
    wanted = {p for folder in ("templates", "static", "alembic") for p in (root / folder).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert wanted - installed == set()

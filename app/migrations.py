"""Running the Alembic migrations from the code (the CLI, `serve`, the tests)."""

import asyncio
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection

from app import paths
from app.config import async_database_url
from app.db import make_engine


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(paths.ALEMBIC_INI))
    config.set_main_option("script_location", str(paths.ALEMBIC_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", async_database_url(url).replace("%", "%%"))
    return config


async def run_on_connection(connection: AsyncConnection, fn: Any, *args: Any) -> None:
    """Run an Alembic command on an open async connection."""

    def run(sync_connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        fn(config, *args)

    await connection.run_sync(run)


async def _migrate(url: str, fn: Any, *args: Any) -> None:
    engine = make_engine(async_database_url(url))
    try:
        async with engine.connect() as connection:
            await run_on_connection(connection, fn, *args)
            await connection.commit()
    finally:
        await engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    asyncio.run(_migrate(url, command.upgrade, revision))


def downgrade(url: str, revision: str) -> None:
    asyncio.run(_migrate(url, command.downgrade, revision))

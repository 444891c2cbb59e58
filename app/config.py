"""Settings from `CITYPACT_*` environment variables and an optional `.env` file."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CITYPACT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///citypact.db"
    secret_key: str = Field(default="change-me-in-production", min_length=16)
    signing_key_file: Path = Path("citypact-signing-key.pem")
    log_level: str = "INFO"
    redis_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"

    token_ttl_seconds: int = 8 * 3600
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 64 * 1024 * 1024
    # Failed sign-ins tolerated inside the window before 429.
    login_window_seconds: int = 900
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    secure_cookies: bool = False
    # Workers keep the answers that are costly to read until PostgreSQL says they changed
    # (app/common/answers.py). Turn off where a worker cannot LISTEN on the database, as behind a
    # connection pooler in transaction mode: every answer is then read afresh.
    keep_answers: bool = True

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return async_database_url(url)


def async_database_url(url: str) -> str:
    """Accept the plain and the async spellings of SQLite and PostgreSQL URLs."""
    for plain, asynchronous in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return asynchronous + url[len(plain) :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()


async def settings_of(request: Request) -> Settings:
    """The settings the running application was created with."""
    return request.app.state.settings  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(settings_of)]

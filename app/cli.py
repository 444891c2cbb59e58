"""The `citypact` command."""

import asyncio
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from app import migrations
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.demo import load as demo_load
from app.demo.generate import DEMO_DOMAIN, DEMO_PASSWORD, SCALES, generate
from app.identity import service as identity

cli = typer.Typer(help="Citypact: cities and companies cutting emissions together.", no_args_is_help=True)
db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
console = Console()


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database up to REVISION (the newest by default)."""
    migrations.upgrade(get_settings().database_url, revision)
    console.print(f"[green]Database at {revision}.[/green]")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")]) -> None:
    """Migrate the database down to REVISION."""
    migrations.downgrade(get_settings().database_url, revision)
    console.print(f"[green]Database at {revision}.[/green]")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Migrate the database to the newest revision, then serve the API and the pages."""
    settings = get_settings()
    migrations.upgrade(settings.database_url)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )


@cli.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The administrator's email.")],
    password: Annotated[str, typer.Option(help="Password (12 characters or more).")],
) -> None:
    """Create a platform administrator, or make an existing account one (idempotent)."""
    if len(password) < 12:
        raise typer.BadParameter("the password needs at least 12 characters", param_hint="--password")

    async def run() -> bool:
        engine = make_engine(get_settings().database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                _, changed = await identity.ensure_platform_admin(session, email=email, password=password)
                await session.commit()
                return changed
        finally:
            await engine.dispose()

    changed = asyncio.run(run())
    console.print(f"[green]{email} {'is now' if changed else 'was already'} a platform administrator.[/green]")


@cli.command()
def demo(
    scale: Annotated[str, typer.Option(help="small (seconds), medium, or large (country scale).")] = "small",
    seed: Annotated[int, typer.Option(help="Seed of the generator: the same seed gives the same data.")] = 2026,
) -> None:
    """Load a realistic demo data set: real cities, generated firms, plans, inventories and networks."""
    if scale not in SCALES:
        raise typer.BadParameter(f"choose one of {', '.join(SCALES)}", param_hint="--scale")

    async def run() -> None:
        engine = make_engine(get_settings().database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                if await demo_load.has_data(session):
                    console.print("[yellow]The database holds cities already; the demo is not loaded twice.[/yellow]")
                    return
                with console.status(f"Generating the {scale} data set…"):
                    data = generate(scale, seed)
                total = sum(len(rows) for rows in data.rows.values())
                with Progress(*Progress.get_default_columns(), TextColumn("{task.fields[table]}"), console=console) as bar:
                    task = bar.add_task("Loading", total=total, table="")
                    await demo_load.load(session, data, lambda table, n: bar.update(task, advance=n, table=table))
                    badges = bar.add_task("Awarding badges", total=len(data.rows["company"]), table="")
                    await demo_load.award_badges(session, lambda table, n: bar.update(badges, advance=n, table=table))
                    bar.update(badges, completed=len(data.rows["company"]))
                    await identity.ensure_platform_admin(session, email=f"admin@{DEMO_DOMAIN}", password=DEMO_PASSWORD)
                    await session.commit()
        finally:
            await engine.dispose()
        console.print(f"[green]Loaded the {scale} demo.[/green] Every demo account's password is {DEMO_PASSWORD!r}:")
        for role, email in (data.accounts | {"platform administrator": f"admin@{DEMO_DOMAIN}"}).items():
            console.print(f"  {role}: {email}")

    asyncio.run(run())


@cli.command("import-reports")
def import_reports(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV with a header row.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only; store nothing.")] = False,
) -> None:
    """Import emissions reports from CSV, all or nothing, acting as a platform administrator."""
    from app.errors import Unprocessable
    from app.reports import csv_import

    total = file.stat().st_size

    async def run(progress: Progress) -> int:
        task = progress.add_task("Validating", total=total)

        def report(phase: str, done: int, of: int) -> None:
            progress.update(task, description=phase.capitalize(), completed=done, total=of)

        engine = make_engine(get_settings().database_url)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                with file.open("rb") as source:
                    count = await csv_import.import_reports(
                        session, source, user=None, dry_run=dry_run, progress=report, total_bytes=total
                    )
                progress.update(task, completed=progress.tasks[task].total)
                return count
        finally:
            await engine.dispose()

    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), console=console
        ) as progress:
            count = asyncio.run(run(progress))
    except Unprocessable as exc:
        console.print(f"[red]{exc.detail}[/red]")
        for error in exc.extra["errors"][:50]:
            console.print(f"  line {error['line']}: {error['msg']}", markup=False, highlight=False)
        if len(exc.extra["errors"]) > 50:
            console.print(f"  … and {len(exc.extra['errors']) - 50} more")
        raise typer.Exit(1) from None
    if dry_run:
        console.print(f"[green]{count} rows are valid; nothing was stored (dry run).[/green]")
    else:
        console.print(f"[green]Imported {count} reports.[/green]")


def main() -> None:
    cli()

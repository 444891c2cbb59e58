"""A real server on 127.0.0.1 and headless Chromium (Debian's) driven by Playwright."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import BACKENDS, drop_postgres_database, fresh_database_url

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long passphrase"
# The live server's platform administrator, who accredits verifiers.
ADMIN_EMAIL = "operator@example.org"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class LiveServer:
    url: str
    backend: str

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url + "/api/v1", timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session", params=BACKENDS)
async def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    """`citypact serve` on a fresh database with a platform administrator: it migrates, then serves."""
    backend = request.param
    workdir = tmp_path_factory.mktemp("live")
    database_url = await fresh_database_url(backend, str(workdir))
    port = _free_port()
    env = os.environ | {
        "CITYPACT_DATABASE_URL": database_url,
        "CITYPACT_SECRET_KEY": "browser-test-secret-key",
        "CITYPACT_SIGNING_KEY_FILE": str(workdir / "signing-key.pem"),
        "CITYPACT_LOG_LEVEL": "WARNING",
    }
    subprocess.run([sys.executable, "-m", "app", "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "app", "create-admin", "--email", ADMIN_EMAIL, "--password", PASSWORD],
                   env=env, check=True, capture_output=True)
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as probe:
        while True:
            try:
                if (await probe.get(url + "/api/v1/health")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the server did not start: {(workdir / 'server.log').read_text()}")
            time.sleep(0.2)
    yield LiveServer(url, backend)
    process.terminate()
    process.wait(timeout=20)
    log.close()
    if backend == "postgres":
        await drop_postgres_database(database_url)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CITYPACT_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield instance
        await instance.close()


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    new_page = await context.new_page()
    yield new_page
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    await new_page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    await context.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None] | None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    return None


async def register_and_sign_in(live_server: LiveServer, page: Page, email: str, name: str) -> str:
    """Register through the API, sign in through the form; returns an API token for set-up calls."""
    password = PASSWORD
    async with live_server.api() as api:
        await api.post("/auth/register", json={"email": email, "password": password, "display_name": name})
        token = (await api.post("/auth/token", data={"username": email, "password": password})).json()["access_token"]
    await page.goto(live_server.url + "/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/account")
    return str(token)

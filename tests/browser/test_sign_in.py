"""A person signs in through the form and sees their account."""

from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer


async def test_sign_in_and_see_the_account_page(live_server: LiveServer, page: Page) -> None:
    async with live_server.api() as api:
        created = await api.post(
            "/auth/register",
            json={"email": "officer@lyon.example.org", "password": "a long passphrase", "display_name": "Inès Officer"},
        )
        assert created.status_code == 201

    await page.goto(live_server.url + "/")
    await page.get_by_role("link", name="Sign in").click()
    await page.get_by_label("Email").fill("officer@lyon.example.org")
    await page.get_by_label("Password").fill("a long passphrase")
    await page.get_by_role("button", name="Sign in").click()

    await expect(page).to_have_url(live_server.url + "/account")
    await expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    await expect(page.get_by_text("Inès Officer").first).to_be_visible()

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    await page.goto(live_server.url + "/account")
    await expect(page).to_have_url(live_server.url + "/signin?next=/account")


async def test_a_wrong_password_is_shown_next_to_the_form(live_server: LiveServer, page: Page) -> None:
    await page.goto(live_server.url + "/signin")
    await page.get_by_label("Email").fill("nobody@example.org")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("The email or the password is wrong.")
    await expect(page.get_by_label("Email")).to_have_value("nobody@example.org")

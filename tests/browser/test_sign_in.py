from playwright.sync_api import expect

from tests.conftest import PASSWORD


def test_student_signs_in_switches_to_japanese_and_signs_out(page, make_user):
    make_user("student", email="aziz@jdu.example", name="Aziz Karimov",
              name_ja="カリモフ・アジズ")
    page.goto("/")
    assert "/auth/login" in page.url
    page.get_by_label("E-mail").fill("aziz@jdu.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_text("Welcome, Aziz Karimov.")).to_be_visible()

    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("ダッシュボード")
    expect(page.get_by_text("ようこそ、カリモフ・アジズさん。")).to_be_visible()

    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    page.goto("/learning/")
    assert "/auth/login" in page.url  # the session has ended: back to sign-in
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")

"""A participant adds a passkey on their profile and logs in with it as the second step, in
Chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain)."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_passkey_is_added_then_asked_for_after_the_password(
    page, visit, follow, check_accessibility, live_server, settings
):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    person = UserFactory(email="agnese@example.lv", profile__full_name="Agnese Bērziņa")
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    log_in(page, visit, follow, email=person.email, next_url="/account/profile/")
    with page.expect_navigation():
        page.get_by_role("button", name="Add a passkey").click()
    check_accessibility(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    assert WebAuthnCredential.objects.filter(user=person, confirmed=True).count() == 1
    follow(page, page.get_by_role("link", name="I have saved them: continue"))

    follow(page, page.get_by_role("button", name="Log out"))
    visit(page, "/account/login/?next=/my-learning/")
    page.get_by_label("E-mail address").fill(person.email)
    page.get_by_label("Password").fill("Correct-Horse-42")
    follow(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Second step of logging in")
    with page.expect_navigation(url="**/my-learning/"):
        page.get_by_role("button", name="Use my passkey").click()
    check_accessibility(page)

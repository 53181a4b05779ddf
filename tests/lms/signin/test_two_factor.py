"""The second factor: administrators, programme admins, presidency staff, focal points and
check-in staff log in with a password and then an authenticator app, a recovery code or a
passkey (enrolling one at their first login); participants may opt in. Until then they reach
only these steps and logging out. Everything here goes through the real login forms."""

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cohorts.attendance import services as attendance
from cohorts.places.services import cohort_staff_group_ensure
from lms.signin import devices
from lms.signin.demo import demo_key_hex, demo_second_factor_ensure
from tests.cohorts.conftest import (  # noqa: F401 (fixtures)
    home,
    make_activity,
    make_cohort,
    make_focal_point,
    make_programme,
    programme,
    programme_index,
)
from tests.factories import UserFactory
from tests.lms.signin_steps import (
    PASSWORD,
    a_moment_later,
    device_code,
    password_login,
    recovery_codes_on_page,
    secret_on_page,
)
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db

SETUP = reverse("two_factor_setup")
VERIFY = reverse("two_factor_verify")


def admin_user():
    return UserFactory(email="admin@example.fi", is_staff=True, is_superuser=True)


def with_app(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def test_a_new_administrator_enrols_an_app_before_anything_else(client):
    admin = admin_user()

    response = password_login(client, admin.email, next_url="/admin/")
    assert response.status_code == 302
    # Whatever they open, they are sent to set up the second factor first.
    for url in ("/admin/", reverse("profile"), reverse("my_data"), "/admin/users/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith(SETUP), url
    page = client.get(client.get("/admin/")["Location"])
    assert page.status_code == 200
    text = visible_text(page)
    assert "Set up two-step login" in text and "administrator" in text
    assert "<svg" in page.content.decode()  # the QR code, drawn on the server

    key = secret_on_page(page)
    wrong = client.post(SETUP, {"code": "000000", "next": "/admin/"})
    assert "That code does not match" in visible_text(wrong)
    assert not TOTPDevice.objects.filter(user=admin).exists()

    done = client.post(SETUP, {"code": devices_code_for(key), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"].startswith(
        reverse("two_factor_recovery_codes")
    )
    codes_page = client.get(done["Location"])
    codes = recovery_codes_on_page(codes_page)
    assert len(codes) == 10
    assert "They are shown only now" in visible_text(codes_page)
    # Shown once: the page does not show them again, and only their hashes are stored.
    assert recovery_codes_on_page(client.get(done["Location"])) == []
    assert devices.recovery_codes_left(admin) == 10
    from django_otp.plugins.otp_static.models import StaticToken

    assert not StaticToken.objects.filter(token__in=[c.replace("-", "") for c in codes]).exists()
    assert client.get("/admin/").status_code == 200


def devices_code_for(key_hex: str) -> str:
    from tests.lms.signin_steps import code_now

    return code_now(key_hex)


def test_someone_with_an_app_gives_its_code_after_the_password(client):
    admin = admin_user()
    device = with_app(admin)

    password_login(client, admin.email, next_url="/admin/users/")
    blocked = client.get("/admin/users/")
    assert blocked["Location"] == f"{VERIFY}?next=%2Fadmin%2Fusers%2F"
    page = client.get(blocked["Location"])
    assert "Second step of logging in" in visible_text(page)

    wrong = client.post(VERIFY, {"code": "123456", "next": "/admin/users/"})
    assert "That code is not right" in visible_text(wrong)
    assert client.get("/admin/users/").status_code == 302

    a_moment_later(admin)
    right = client.post(VERIFY, {"code": device_code(device), "next": "/admin/users/"})
    assert right.status_code == 302 and right["Location"] == "/admin/users/"
    assert client.get("/admin/users/").status_code == 200


def test_a_code_works_once(client):
    admin = admin_user()
    device = with_app(admin)
    password_login(client, admin.email)
    code = device_code(device)
    assert client.post(VERIFY, {"code": code})["Location"] == reverse("profile")
    client.post(reverse("logout"))

    other = Client()
    password_login(other, admin.email)
    again = other.post(VERIFY, {"code": code})
    assert again.status_code == 200 and "That code is not right" in visible_text(again)


def test_a_recovery_code_works_once_in_place_of_the_app(client):
    admin = admin_user()
    with_app(admin)
    codes = devices.recovery_codes_replace(user=admin)

    password_login(client, admin.email)
    assert client.post(VERIFY, {"code": codes[0].upper()})["Location"] == reverse("profile")
    assert devices.recovery_codes_left(admin) == 9
    client.post(reverse("logout"))

    password_login(client, admin.email)
    assert "That code is not right" in visible_text(client.post(VERIFY, {"code": codes[0]}))
    a_moment_later(admin)
    assert client.post(VERIFY, {"code": codes[1]}).status_code == 302


def test_a_participant_logs_in_with_the_password_alone(client):
    person = UserFactory()
    response = password_login(client, person.email)
    assert response["Location"] == reverse("profile")
    page = client.get(reverse("profile"))
    assert page.status_code == 200
    assert "It is optional for you" in visible_text(page)


def test_a_participant_who_opts_in_is_asked_for_the_code_next_time(client):
    person = UserFactory()
    password_login(client, person.email)
    key = secret_on_page(client.get(SETUP))
    done = client.post(SETUP, {"code": devices_code_for(key)})
    assert len(recovery_codes_on_page(client.get(done["Location"]))) == 10
    client.post(reverse("logout"))

    password_login(client, person.email)
    assert client.get(reverse("profile"))["Location"].startswith(VERIFY)


def test_logging_out_stays_possible_before_the_second_step(client):
    admin = admin_user()
    with_app(admin)
    password_login(client, admin.email)
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "role", ["programme admin", "presidency staff", "focal point", "check-in staff", "editor"]
)
def test_every_role_that_decides_about_people_must_enrol(
    client,
    role,
    make_cohort,  # noqa: F811
    make_activity,  # noqa: F811
    make_focal_point,  # noqa: F811
):
    user = UserFactory()
    if role == "programme admin":
        user.user_permissions.add(Permission.objects.get(codename="change_cohort"))
    elif role == "presidency staff":
        user.groups.add(cohort_staff_group_ensure(cohort=make_cohort()))
    elif role == "focal point":
        make_focal_point("LV", user=user)
    elif role == "check-in staff":
        setup = attendance.attendance_setup_ensure(activity=make_activity())
        user.groups.add(attendance.activity_staff_group_ensure(setup=setup))
    else:
        user.user_permissions.add(Permission.objects.get(codename="access_admin"))

    password_login(client, user.email)
    assert client.get(reverse("profile"))["Location"].startswith(SETUP)
    assert client.session.get_expiry_age() == 2 * 3600


def test_staff_sessions_end_after_two_idle_hours_and_participants_stay_longer(client):
    admin = admin_user()
    device = with_app(admin)
    password_login(client, admin.email)
    client.post(VERIFY, {"code": device_code(device)})
    assert client.session.get_expiry_age() == 7200

    participant = Client()
    password_login(participant, UserFactory().email)
    assert participant.session.get_expiry_age() == 14 * 24 * 3600


def test_removing_a_device_asks_for_the_password(client):
    person = UserFactory()
    first, second = with_app(person), with_app(person)
    devices.recovery_codes_replace(user=person)
    password_login(client, person.email)
    client.post(VERIFY, {"code": device_code(first)})
    remove = reverse("two_factor_device_remove", args=["totp", second.pk])

    wrong = client.post(remove, {"password": "not-it"}, follow=True)
    assert "That is not your password. Nothing was changed." in visible_text(wrong)
    assert TOTPDevice.objects.filter(pk=second.pk).exists()

    client.post(remove, {"password": PASSWORD})
    assert not TOTPDevice.objects.filter(pk=second.pk).exists()
    # The participant's last device takes the recovery codes with it.
    client.post(
        reverse("two_factor_device_remove", args=["totp", first.pk]), {"password": PASSWORD}
    )
    assert devices.second_factor_devices(person) == []
    assert devices.recovery_codes_left(person) == 0


def test_staff_cannot_remove_their_last_device(client):
    admin = admin_user()
    device = with_app(admin)
    password_login(client, admin.email)
    client.post(VERIFY, {"code": device_code(device)})

    response = client.post(
        reverse("two_factor_device_remove", args=["totp", device.pk]),
        {"password": PASSWORD},
        follow=True,
    )
    assert "Your role needs a second factor" in visible_text(response)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_nobody_removes_another_persons_device(client):
    other = with_app(UserFactory())
    person = UserFactory()
    password_login(client, person.email)
    response = client.post(
        reverse("two_factor_device_remove", args=["totp", other.pk]),
        {"password": PASSWORD},
        follow=True,
    )
    assert "There is no such device" in visible_text(response)
    assert TOTPDevice.objects.filter(pk=other.pk).exists()


def test_a_new_device_needs_the_second_factor_first(client):
    admin = admin_user()
    with_app(admin)
    password_login(client, admin.email)
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    # The passkey registration refuses too, before the second step.
    begin = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert begin.status_code == 403


def test_passkey_endpoints_need_the_password_first(client):
    begin = client.post(reverse("otp_webauthn:credential-authentication-begin"))
    assert begin.status_code in (401, 403)
    complete = client.post(
        reverse("otp_webauthn:credential-authentication-complete"),
        data="{}",
        content_type="application/json",
    )
    assert complete.status_code in (400, 401, 403)
    assert "_auth_user_id" not in client.session


def test_a_passkey_ceremony_starts_for_a_verified_user_and_a_forged_answer_changes_nothing(
    client,
):
    admin = admin_user()
    device = with_app(admin)
    password_login(client, admin.email)
    client.post(VERIFY, {"code": device_code(device)})

    options = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert options.status_code == 200
    data = options.json()
    assert data["rp"]["name"] == "BSR Academy" and data["challenge"]
    forged = client.post(
        reverse("otp_webauthn:credential-registration-complete"),
        data='{"id": "x", "rawId": "x", "type": "public-key", "response": {}}',
        content_type="application/json",
    )
    assert forged.status_code >= 400
    assert [row.kind for row in devices.second_factor_devices(admin)] == ["totp"]


def test_the_demo_staff_get_the_published_demo_key_and_its_code_logs_in(client, settings, capsys):
    admin = admin_user()
    assert demo_second_factor_ensure()
    device = TOTPDevice.objects.get(user=admin)
    assert device.key == demo_key_hex()
    participant = UserFactory()
    assert not TOTPDevice.objects.filter(user=participant).exists()

    call_command("demo_totp", admin.email)
    code = capsys.readouterr().out.split()[0]
    password_login(client, admin.email, next_url="/admin/")
    assert client.post(VERIFY, {"code": code, "next": "/admin/"})["Location"] == "/admin/"

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused"):
        call_command("demo_totp", admin.email)


def test_the_role_is_checked_again_during_a_long_session(client):
    person = UserFactory()
    password_login(client, person.email)
    assert client.get(reverse("profile")).status_code == 200
    person.is_staff = True
    person.save()
    session = client.session
    need = session["lms_second_factor_need"]
    session["lms_second_factor_need"] = [need[0], need[1] - 3600]
    session.save()
    assert client.get(reverse("profile"))["Location"].startswith(SETUP)


def test_an_administrator_resets_a_lost_second_factor_and_the_next_login_enrols(client, capsys):
    admin = admin_user()
    with_app(admin)
    devices.recovery_codes_replace(user=admin)

    call_command("second_factor_reset", admin.email)
    assert "Removed" in capsys.readouterr().out
    assert devices.second_factor_devices(admin) == [] and devices.recovery_codes_left(admin) == 0
    password_login(client, admin.email)
    assert client.get("/admin/")["Location"].startswith(SETUP)

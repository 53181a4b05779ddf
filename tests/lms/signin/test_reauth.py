"""Before erasing an account or handing out a copy of everything kept about a person, the
current password is asked again (or a code from the second factor, for those who have one):
someone at an unlocked screen cannot do either."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.models import DataExport
from tests.factories import UserFactory
from tests.lms.signin_steps import PASSWORD, device_code, password_login
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    return UserFactory(email="soren@example.dk", profile__full_name="Søren Ærø")


def test_the_data_export_needs_the_password(client, person):
    client.force_login(person)
    page = client.get(reverse("my_data"))
    assert "Your password" in visible_text(page)

    for typed in ({}, {"confirmation": ""}, {"confirmation": person.email}, {"confirmation": "x"}):
        response = client.post(reverse("my_data_export"), typed)
        assert response.status_code == 200
        text = visible_text(response)
        assert "That is not your password. Nothing was changed." in text or (
            "This field is required" in text
        )
    assert not DataExport.objects.filter(user=person).exists()

    response = client.post(reverse("my_data_export"), {"confirmation": PASSWORD}, follow=True)
    assert "We are preparing a copy of your data" in visible_text(response)
    assert DataExport.objects.filter(user=person).count() == 1


def test_erasure_with_a_wrong_password_erases_nothing(client, person):
    client.force_login(person)
    response = client.post(reverse("account_erase"), {"confirmation": "Wrong-Horse-42"})
    assert "That is not your password. Nothing was erased." in visible_text(response)
    person.refresh_from_db()
    assert person.erased_at is None and person.is_active


def test_with_a_second_factor_a_code_confirms_too(client, person):
    device = TOTPDevice.objects.create(user=person, name="Phone", confirmed=True)
    password_login(client, person.email)
    client.post(reverse("two_factor_verify"), {"code": device_code(device)})
    page = client.get(reverse("my_data"))
    assert "Your password, or a code from your authenticator app" in visible_text(page)

    wrong = client.post(reverse("my_data_export"), {"confirmation": "000000"})
    assert "neither your password nor a valid code. Nothing was changed." in visible_text(wrong)
    assert not DataExport.objects.exists()

    from tests.lms.signin_steps import a_moment_later

    a_moment_later(person)
    client.post(reverse("my_data_export"), {"confirmation": device_code(device)})
    assert DataExport.objects.filter(user=person).count() == 1


def test_guessing_the_password_on_the_erase_page_meets_the_login_lockout(client, person):
    client.force_login(person)
    answers = [
        client.post(reverse("account_erase"), {"confirmation": f"guess-{n}"}) for n in range(5)
    ]
    assert answers[-1].status_code == 429
    assert "Too many failed logins" in visible_text(answers[-1])
    right = client.post(reverse("account_erase"), {"confirmation": PASSWORD})
    assert right.status_code == 429
    person.refresh_from_db()
    assert person.erased_at is None

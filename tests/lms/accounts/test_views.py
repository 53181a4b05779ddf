"""Sign-up, log-in, profile and password reset as a person uses them in the browser."""

import html
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from lms.models import OutgoingEmail, User
from tests.lms.minors import confirm_link

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "thorunn@example.is",
    "full_name": "Þórunn Guðmundsdóttir",
    "country": "IS",
    "date_of_birth": "1988-04-17",
    "preferred_language": "is",
    "password1": "Correct-Horse-42",
    "password2": "Correct-Horse-42",
}
LOGIN = {"username": "thorunn@example.is", "password": "Correct-Horse-42"}


def test_signup_confirmed_by_the_emailed_link_logs_in_and_welcomes(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("signup"), SIGNUP)
    assert "Check your e-mail" in sent.content.decode()
    assert not client.session.get("_auth_user_id"), "not logged in before the address is confirmed"
    link = confirm_link(SIGNUP["email"])
    assert client.post(reverse("login"), LOGIN).status_code == 200, "cannot log in yet"

    opened = client.get(link)
    assert opened.status_code == 200
    assert "Open my account" in opened.content.decode()
    assert User.objects.get().is_active is False, "opening the link changes nothing"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, follow=True)

    assert response.redirect_chain[-1][0] == reverse("profile")
    assert response.context["user"].email == "thorunn@example.is"
    page = response.content.decode()
    # Þórunn signed up in Icelandic: the welcome is in Icelandic, as the page it is shown on.
    with translation.override("is"):
        welcome_text = gettext(
            "Welcome, %(name)s. We have sent a welcome e-mail to %(email)s. Tell us a "
            "little more about yourself below."
        ) % {"name": "Þórunn Guðmundsdóttir", "email": "thorunn@example.is"}
    assert html.escape(welcome_text) in page or welcome_text in page
    assert 'value="Þórunn Guðmundsdóttir"' in page
    welcome = OutgoingEmail.objects.get(
        recipient="thorunn@example.is", reason__startswith="welcome:"
    )
    assert welcome.status == OutgoingEmail.Status.SENT
    assert "Þórunn Guðmundsdóttir" in mail.outbox[-1].body
    again = client.post(link)
    assert again.status_code == 404, "the link works once"


def test_signup_with_a_known_address_answers_the_same_and_tells_the_owner(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("signup"), {**SIGNUP, "email": user.email.upper()})
        new = Client().post(reverse("signup"), SIGNUP)

    def answer(response):
        text = response.content.decode()
        return text[text.index("<main") :]

    assert known.status_code == new.status_code == 200
    assert answer(known).replace("csrfmiddlewaretoken", "") == answer(new).replace(
        "csrfmiddlewaretoken", ""
    )
    assert "already exists" not in known.content.decode()
    owner_mail = [m for m in mail.outbox if m.to == [user.email]]
    assert [m.subject for m in owner_mail] == ["Someone tried to sign up with your e-mail address"]
    assert "/account/password-reset/" in owner_mail[0].body
    user.refresh_from_db()
    assert user.check_password("Correct-Horse-42"), "nothing in the account changed"
    assert User.objects.filter(email__iexact=user.email).count() == 1


def test_an_unconfirmed_signup_is_replaced_by_a_new_one_and_its_link_dies(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("signup"), {**SIGNUP, "full_name": "Squatter"})
        first = confirm_link(SIGNUP["email"])
        Client().post(reverse("signup"), SIGNUP)
    second = confirm_link(SIGNUP["email"])

    assert client.post(first).status_code == 404
    assert User.objects.get().get_full_name() == "Þórunn Guðmundsdóttir"
    assert Client().post(second, follow=True).status_code == 200
    assert User.objects.get().is_active


def test_an_unconfirmed_signup_is_deleted_once_its_link_has_expired(client, user):
    from datetime import timedelta

    from django.utils import timezone

    from lms.accounts.services import signups_unconfirmed_purge

    client.post(reverse("signup"), SIGNUP)
    link = confirm_link(SIGNUP["email"])

    assert signups_unconfirmed_purge(now=timezone.now() + timedelta(days=1)) == 0
    assert signups_unconfirmed_purge(now=timezone.now() + timedelta(days=4)) == 1

    assert list(User.objects.all()) == [user], "confirmed accounts stay"
    assert client.get(link).status_code == 404


def test_signup_emails_are_limited_per_address_with_the_same_answer(
    client, user, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_LIMIT_PER_ADDRESS = 3
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            Client(REMOTE_ADDR=f"192.0.2.{n}").post(
                reverse("signup"), {**SIGNUP, "email": user.email}
            )
            for n in range(6)
        ]

    assert {response.status_code for response in answers} == {200}
    assert all("Check your e-mail" in response.content.decode() for response in answers)
    assert len([m for m in mail.outbox if m.to == [user.email]]) == 3


def test_signup_emails_are_limited_per_client(client, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_LIMIT_PER_CLIENT = 5
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(8):
            answer = client.post(reverse("signup"), {**SIGNUP, "email": f"person{n}@example.is"})
            assert "Check your e-mail" in answer.content.decode()

    assert len(mail.outbox) == 5
    assert User.objects.count() == 5


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"password2": "Different-Horse-1"}, "password2", "do not match"),
        ({"password1": "123", "password2": "123"}, "password1", "too short"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"full_name": "   "}, "full_name", "required"),
        ({"preferred_language": "xx"}, "preferred_language", "valid choice"),
        ({"country": "ZZ"}, "country", "valid choice"),
    ],
)
def test_signup_bad_input_shows_field_errors_and_creates_nothing(client, change, field, message):
    response = client.post(reverse("signup"), {**SIGNUP, **change})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message.lower() in " ".join(errors[field]).lower()
    assert not User.objects.exists()
    if field != "full_name":
        assert "Þórunn Guðmundsdóttir" in response.content.decode()


def test_login_is_by_email_in_any_case(client, user):
    response = client.post(
        reverse("login"),
        {"username": user.email.upper(), "password": "Correct-Horse-42"},
        follow=True,
    )
    assert response.context["user"].is_authenticated
    assert response.redirect_chain[-1][0] == reverse("profile")


def test_login_with_wrong_password_says_so_and_keeps_the_email(client, user):
    response = client.post(reverse("login"), {"username": user.email, "password": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please enter a correct e-mail address and password" in page
    assert f'value="{user.email}"' in page


def test_profile_needs_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name", ["Jānis Bērziņš", "Žydrūnas Šimkus", "Małgorzata Wąsowska", "Søren Ærø", "Õie Täht"]
)
def test_profile_edit_round_trips_every_field(client, user, name):
    client.force_login(user)
    response = client.post(
        reverse("profile"),
        {
            "full_name": name,
            "preferred_language": "lt",
            "country": "LT",
            "organisation_name": "Priešgaisrinės apsaugos ir gelbėjimo departamentas",
            "sector": "fire_rescue",
            "level": "national",
            "date_of_birth": "1984-02-29",
            "gender": "undisclosed",
        },
        follow=True,
    )

    # The site follows the language just chosen, from the confirmation on.
    with translation.override("lt"):
        saved = gettext("Your profile has been saved.")
    page = response.content.decode()
    assert saved in page
    assert f'value="{name}"' in page
    assert 'value="Priešgaisrinės apsaugos ir gelbėjimo departamentas"' in page
    assert 'value="1984-02-29"' in page
    user.profile.refresh_from_db()
    assert user.profile.full_name == name
    assert user.profile.preferred_language == "lt"
    assert user.profile.organisation.country.code == "LT"


def test_staff_of_an_eu_institution_choose_the_european_union_as_their_country(client, user):
    client.force_login(user)
    form = client.get(reverse("profile")).content.decode()
    assert '<option value="EU">European Union</option>' in form

    client.post(
        reverse("profile"),
        {"full_name": "Søren Ærø", "preferred_language": "en", "country": "EU"},
    )

    user.profile.refresh_from_db()
    assert user.profile.country.code == "EU"
    assert user.profile.country.name == "European Union"


def test_profile_bad_date_is_refused_with_input_kept(client, user):
    # The factory names people from a short list; start from a name the form does not send.
    user.profile.full_name = "Õie Täht"
    user.profile.save()
    client.force_login(user)
    response = client.post(
        reverse("profile"),
        {
            "full_name": "Søren Ærø",
            "preferred_language": "da",
            "country": "DK",
            "date_of_birth": "2999-01-01",
        },
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert 'value="Søren Ærø"' in response.content.decode()
    user.profile.refresh_from_db()
    assert user.profile.full_name == "Õie Täht", "nothing was saved"


def test_password_reset_mail_goes_through_the_outbox_and_works_once(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": user.email}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    email = OutgoingEmail.objects.get(recipient=user.email)
    assert email.reason.startswith("password-reset:")
    assert email.status == OutgoingEmail.Status.SENT
    link = re.search(r"https?://[^/\s]+(/account/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "New-Harbour-77", "new_password2": "New-Harbour-77"},
        follow=True,
    )
    assert "Your password has been changed" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("New-Harbour-77")
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_the_reset_token_is_never_stored_in_the_outbox_reason(
    client, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": user.email})
    token = re.search(r"/account/reset/[^/]+/([^/\s]+)/", mail.outbox[0].body).group(1)

    email = OutgoingEmail.objects.get(recipient=user.email)
    assert token not in email.reason
    assert email.reason.startswith(f"password-reset:{user.pk}:")


def test_password_reset_emails_are_limited_per_address_with_the_same_answer(
    user, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_LIMIT_PER_ADDRESS = 3
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            Client(REMOTE_ADDR=f"198.51.100.{n}").post(
                reverse("password_reset"), {"email": user.email}, follow=True
            )
            for n in range(6)
        ]

    assert all("If an account exists" in response.content.decode() for response in answers)
    assert len(mail.outbox) == 3


def test_password_reset_emails_are_limited_per_client(
    client, settings, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    people = [UserFactory(email=f"crew{n}@example.lv") for n in range(8)]
    settings.EMAIL_LIMIT_PER_CLIENT = 5
    with django_capture_on_commit_callbacks(execute=True):
        for person in people:
            answer = client.post(reverse("password_reset"), {"email": person.email}, follow=True)
            assert "If an account exists" in answer.content.decode()

    assert len(mail.outbox) == 5


def test_the_admin_s_forgotten_password_goes_through_the_same_limit(
    client, user, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_LIMIT_PER_ADDRESS = 1
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            client.post(reverse("wagtailadmin_password_reset"), {"email": user.email})

    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.get().reason.startswith("password-reset:")


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "If an account exists" in response.content.decode()
    assert not OutgoingEmail.objects.exists()


def test_logout_by_post(client, user):
    client.force_login(user)
    client.post(reverse("logout"))
    assert client.get(reverse("profile")).status_code == 302


@pytest.mark.parametrize("url", ["/programmes/%00/", "/search/?q=%00", "/activities/?month=%00"])
def test_nul_bytes_in_the_address_are_a_bad_request(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "could not be understood" in response.content.decode()


def _options(page: str) -> list[str]:
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([A-Z]*)"', select)


def test_sign_up_and_profile_list_the_member_states_and_the_eu_first(client, user):
    signup = _options(client.get(reverse("signup")).content.decode())
    client.force_login(user)
    profile = _options(client.get(reverse("profile")).content.decode())

    member_states = {"DK", "EE", "FI", "DE", "IS", "LV", "LT", "NO", "PL", "SE", "EU"}
    for options in (signup, profile):
        assert options[0] == ""
        assert set(options[1:12]) == member_states
        assert len(options) > 200
        assert "AF" in options[12:]

"""A young person whose own account waits for a guardian's approval keeps only the minimum: they
can read a module's lessons, but no progress, knowledge-check answers or reflections are stored
until the guardian approves; once approved, the same steps are saved as for anyone."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from lms.consent.services import notice_current
from lms.models import ConsentPurpose, GuardianConsent, User
from programmes.models import ModuleProgress, QuizAttempt, StepProgress
from tests.lms.minors import consent_token, signup, signup_data
from tests.programmes.conftest import visible_text
from tests.programmes.modules import make_module, right_answers, step_ids
from tests.programmes.progress.test_modules import _form_answers

pytestmark = pytest.mark.django_db


def test_a_pending_young_account_reads_the_lessons_but_stores_nothing(client, make_programme):
    module = make_module(make_programme())
    ids = step_ids(module)
    signup(
        client,
        signup_data(years=12, country="LV", email="liva@example.lv", preferred_language="en"),
    )
    young = User.objects.get(email="liva@example.lv")
    assert young.profile.awaiting_guardian
    reflection_url = f"{module.url}step/{ids['reflection']}/"
    quiz_url = f"{module.url}step/{ids['quiz']}/"

    assert client.get(f"{module.url}step/{ids['section']}/").status_code == 200
    done = client.post(f"{module.url}step/{ids['section']}/")
    reflected = client.post(reflection_url, {"reflection": "Mana ģimene dzīvo pie jūras"})
    page = client.get(quiz_url)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.content.decode())[1]
    answered = client.post(quiz_url, {"nonce": nonce, **_form_answers(right_answers(module))})

    for response in (done, reflected, answered):
        assert response.status_code == 400
        assert "reflections can be saved once they have approved it" in visible_text(response)
    assert not ModuleProgress.objects.exists()
    assert not StepProgress.objects.exists()
    assert not QuizAttempt.objects.exists()

    # The guardian approves: from now on the steps are saved.
    token = consent_token("mor.aero@example.dk")
    consent = GuardianConsent.objects.get(person=young)
    Client().post(
        reverse("consent:page", args=[token]),
        {"decision": "give", "consent": consent.pk, "guardian_name": "Inese Kalniņa",
         "notice_version": notice_current(ConsentPurpose.ACCOUNT).version},
    )  # fmt: skip
    assert client.post(f"{module.url}step/{ids['section']}/").status_code == 302
    assert StepProgress.objects.filter(progress__user=young).count() == 1

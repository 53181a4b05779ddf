"""The certificates demo: after `manage.py load_demo` a newcomer finds the templates editors start
from (BEP completion in English, Latvian and Finnish with two signatories; activity attendance;
NEEDS module completion) and BEP 2025, a finished edition whose participants completed it and
hold valid certificates, bilingual where their language has a translation. Running it again
changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certificates import demo
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateState,
    CertificateTemplate,
)
from cohorts.models import Cohort, Enrolment, EnrolmentState
from lms.demo import demo_loaders
from lms.models import Event, OutgoingEmail, User
from programmes.models import ModuleProgress
from tests.certificates.issuing import (
    pdf_text,
    private_files_in_tmp,  # noqa: F401 (fixture)
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def load_demo(*only: str) -> str:
    out = StringIO()
    call_command("load_demo", *(f"--only={name}" for name in only), stdout=out)
    return out.getvalue()


def load() -> str:
    """What the certificates demo needs: the programme pages, then its own content."""
    return load_demo("programmes", "certificates")


def edition() -> Cohort:
    return Cohort.objects.get(slug="bep-2025")


def certificate_of(name: str) -> Certificate:
    return Certificate.objects.get(
        cohort=edition(), user__profile__full_name=name, state=CertificateState.ISSUED
    )


def snapshot() -> dict:
    return {
        "templates": sorted(CertificateTemplate.objects.values_list("name", "updated_at")),
        "certificates": sorted(
            Certificate.objects.values_list("pk", "state", "code", "sha256", "holder_name")
        ),
        "users": User.objects.count(),
        "cohorts": Cohort.objects.count(),
        "enrolments": sorted(Enrolment.objects.values_list("pk", "state")),
        "progress": ModuleProgress.objects.count(),
        "events": Event.objects.count(),
        "emails": OutgoingEmail.objects.count(),
        "audit": ModelLogEntry.objects.count(),
    }


def test_the_certificates_demo_runs_after_the_cohorts_demo():
    names = [name for name, _ in demo_loaders()]

    assert names.index("programmes") < names.index("cohorts") < names.index("certificates")


def test_loading_twice_creates_the_templates_and_certificates_once(
    django_capture_on_commit_callbacks,
):
    # The job cluster's part (rendering, e-mails) runs too: it must find the work done.
    with django_capture_on_commit_callbacks(execute=True):
        first = load()
    counts = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        second = load()

    assert "[certificates] created certificate template BEP completion" in first
    assert "[certificates] issued 8 certificates for BEP 2025 — Latvian presidency" in first
    assert "[certificates] certificates already present" in second
    assert snapshot() == counts
    assert Certificate.objects.count() == 8


def test_the_bep_template_is_bilingual_with_two_signatories_in_bep_colours():
    load()

    bep = CertificateTemplate.objects.get(name="BEP completion")
    activity = CertificateTemplate.objects.get(name="Activity attendance")
    module = CertificateTemplate.objects.get(name="NEEDS module completion")

    assert bep.kind == CertificateKind.PROGRAMME and bep.programme.slug == demo.BEP_SLUG
    assert {t.language for t in bep.translations.all()} == {"lv", "fi"}
    assert [s.name for s in bep.signatories.all()] == ["Riikka Törmänen", "Andris Ozoliņš"]
    assert (bep.colour, bep.accent) == (demo.BEP_COLOUR, demo.BEP_ACCENT)
    assert activity.kind == CertificateKind.ACTIVITY and activity.auto_issue
    assert module.kind == CertificateKind.MODULE and module.auto_issue
    assert module.programme.slug == demo.NEEDS_SLUG
    for template in (bep, activity, module):
        template.full_clean()  # the same checks as the editor's form


def test_bep_2025_has_ended_and_everyone_who_completed_holds_a_valid_certificate():
    load()
    cohort = edition()

    enrolments = list(cohort.enrolments.select_related("user__profile"))
    completed = [e for e in enrolments if e.state == EnrolmentState.COMPLETED]
    certificates = list(Certificate.objects.filter(cohort=cohort))

    assert cohort.ends_on < cohort.staff_rights_end
    assert not cohort.applications_open()
    assert len(completed) == 8
    assert [e.user.profile.full_name for e in enrolments if e not in completed] == ["Åke Öberg"]
    assert {c.user_id for c in certificates} == {e.user_id for e in completed}
    for certificate in certificates:
        assert certificate.state == CertificateState.ISSUED
        assert certificate.code and certificate.sha256 and certificate.pdf
        assert certificate.template.name == "BEP completion"
        assert certificate.holder_name in pdf_text(certificate)
        assert certificate.code in pdf_text(certificate)
    # Each completion went through the services: the events and the audit log have it.
    assert Event.objects.filter(
        name="cohorts.enrolment.completed", payload__cohort_id=cohort.pk
    ).count() == len(completed)
    assert Event.objects.filter(
        name="certificates.certificate.issued", payload__cohort_id=cohort.pk
    ).count() == len(certificates)


def test_certificates_are_bilingual_where_the_holders_language_has_a_translation():
    load()

    finnish = pdf_text(certificate_of("Aino Mäkelä"))
    latvian = pdf_text(certificate_of("Laura Bērziņa"))
    english = pdf_text(certificate_of("Ülle Kõiv"))

    assert "Todistus ohjelman suorittamisesta" in finnish
    assert "Aino Mäkelä on suorittanut hyväksytysti ohjelman" in finnish
    assert "Laura Bērziņa ir sekmīgi pabeidzis(-usi) programmu" in latvian
    assert "Certificate of completion" in english
    assert "Todistus" not in english and "Apliecība" not in english
    for name in ("Kęstutis Žemaitis", "Þorsteinn Ólafsson", "Sørine Højgaard", "Jörg Weißmüller"):
        assert name in pdf_text(certificate_of(name))
    assert "Wojciech Łaszkiewicz" in pdf_text(certificate_of("Wojciech Łaszkiewicz"))


def test_the_latvian_presidency_sees_its_certificates_and_nobody_elses(client):
    load()
    cohort = edition()
    page = reverse("certificates_cohort", args=[cohort.pk])
    other = Client()
    other.force_login(UserFactory())

    assert client.login(username="presidency.lv@bsr-academy.local", password="baltic-staff")
    html = client.get(page).content.decode()
    desk = client.get(reverse("cohorts_desk", args=[cohort.pk])).content.decode()

    assert "8 issued · 0 to issue" in html and "8 issued · 0 to issue" in desk
    assert "Aino Mäkelä" in html and "Åke Öberg" in html
    assert "Accepted, not completed yet" in html
    assert client.get(reverse("certificates_issued:index")).status_code in (302, 403)
    # Someone without admin access is told so (403); nobody else's cohort is shown.
    assert other.get(page).status_code in (302, 403, 404)
    alumni = User.objects.get(profile__full_name="Laura Bērziņa")
    assert Client().login(username=alumni.email, password="baltic-participant")

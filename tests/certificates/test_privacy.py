"""Certificates of an erased person: each verifies as withdrawn at the holder's request with no
name (by its code, its QR link or a copy of the PDF), its PDF is deleted from storage, and the
number of certificates issued stays the same."""

import pytest
from django.core.files.storage import storages

from certificates import services
from certificates.models import Certificate, CertificateSource, CertificateState
from lms.privacy.services import person_erase
from tests.certificates.conftest import pdf_bytes
from tests.certificates.verify.test_verify import lookup, upload
from tests.factories import UserFactory
from tests.lms.privacy_world import traces_of
from tests.programmes.conftest import visible_text

pytestmark = pytest.mark.django_db


def erase(user, capture):
    with capture(execute=True):
        person_erase(user=user, actor=user)


def test_an_erased_holder_s_certificate_verifies_as_withdrawn_without_a_name(
    client, certificate, django_capture_on_commit_callbacks
):
    copy = pdf_bytes(certificate)
    storage, name = certificate.pdf.storage, certificate.pdf.name
    assert "Jānis Bērziņš" in visible_text(lookup(client, certificate.code))

    erase(certificate.user, django_capture_on_commit_callbacks)

    for response in (lookup(client, certificate.code), upload(client, copy)):
        text = visible_text(response)
        assert "withdrawn at the holder's request" in text
        assert "Jānis" not in text and "Bērziņš" not in text
        assert "BEP 2026" not in text
    assert "no longer valid" in visible_text(lookup(client, certificate.code))
    assert not storage.exists(name)
    certificate.refresh_from_db()
    assert certificate.state == CertificateState.WITHDRAWN and certificate.withdrawn_at
    assert (certificate.holder_name, certificate.pdf.name) == ("", "")
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_every_certificate_of_theirs_goes_and_the_count_stays(
    client, make_certificate, holder, cohort, make_activity, django_capture_on_commit_callbacks
):
    activity = make_activity(title="Baltic Ice Rescue Workshop", slug="ice-rescue")
    revoked = make_certificate(
        user=holder,
        activity=activity,
        state=CertificateState.REVOKED,
        revoked_reason="Jānis Bērziņš did not attend the second day",
    )
    old = make_certificate(
        user=holder, cohort=cohort, holder_name="Janis Berzins", state=CertificateState.REPLACED
    )
    new = make_certificate(user=holder, cohort=cohort)
    Certificate.objects.filter(pk=old.pk).update(replaced_by=new)
    pending = make_certificate(
        user=holder,
        module=None,
        activity=make_activity(title="Flood Webinar", slug="flood-webinar"),
        state=CertificateState.PENDING,
    )
    other = UserFactory(email="oie@example.ee", profile__full_name="Õie Täht")
    someone_else = make_certificate(user=other, cohort=cohort)
    before = Certificate.objects.count()

    erase(holder, django_capture_on_commit_callbacks)

    assert Certificate.objects.count() == before
    states = dict(Certificate.objects.filter(user=holder).values_list("pk", "state"))
    assert states == {
        revoked.pk: "withdrawn",
        old.pk: "replaced",
        new.pk: "withdrawn",
        pending.pk: "withdrawn",
    }
    # The old code of a corrected certificate says "replaced", still without a name.
    text = visible_text(lookup(client, old.code))
    assert "replaced" in text and "Janis" not in text and "Jānis" not in text
    for code in (revoked.code, new.code):
        assert "withdrawn at the holder's request" in visible_text(lookup(client, code))
    # The job that would have printed the pending one prints nothing.
    assert services.certificate_render(certificate_id=pending.pk).state == "withdrawn"
    assert not Certificate.objects.get(pk=pending.pk).pdf
    assert traces_of(["Jānis", "Bērziņš", "Janis Berzins", "did not attend"]) == []
    assert "Õie Täht" in visible_text(lookup(client, someone_else.code))
    assert storages["private"].exists(someone_else.pdf.name)


def test_their_certificates_are_in_their_copy_with_the_pdfs(
    certificate, django_capture_on_commit_callbacks
):
    from tests.lms.privacy_world import archive_of, export_of, pdf_words

    export = export_of(certificate.user, django_capture_on_commit_callbacks)

    archive = archive_of(export)
    (name,) = [n for n in archive if n.startswith("files/certificates/")]
    assert archive[name] == pdf_bytes(certificate)
    assert "Jānis Bērziņš" in " ".join(pdf_words(archive[name]).split())
    assert certificate.code in archive["data.json"].decode()


def test_a_manual_issue_for_an_erased_person_is_refused_or_withdrawn(
    certificate, django_capture_on_commit_callbacks
):
    """Nothing prints their name again: a current (withdrawn) certificate is returned as is."""
    erase(certificate.user, django_capture_on_commit_callbacks)

    again = services.certificate_issue(
        user=certificate.user, cohort=certificate.cohort, source=CertificateSource.AUTOMATIC
    )

    assert again is None or again.state == CertificateState.WITHDRAWN

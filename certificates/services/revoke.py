"""Revoking a certificate, and reissuing one (a name correction) in its place."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates.errors import CertificatesError
from certificates.models import (
    Certificate,
    CertificateSource,
    CertificateState,
    CertificateTemplate,
)
from certificates.services.base import announce, audit, is_person, person
from certificates.services.issue import render_later, snapshot_fields
from certificates.services.targets import Target, certificate_template_for, programme_of
from lms.events import emit

# What cannot be done to a certificate in each state, as a whole sentence per state and action.
REFUSALS = {
    "revoked": {
        CertificateState.PENDING: _("A certificate still being issued cannot be revoked."),
        CertificateState.ISSUED: _("A valid certificate cannot be revoked."),
        CertificateState.REVOKED: _("A revoked certificate cannot be revoked."),
        CertificateState.REPLACED: _("A certificate that was replaced cannot be revoked."),
        CertificateState.WITHDRAWN: _(
            "A certificate withdrawn at the holder's request cannot be revoked."
        ),
    },
    "reissued": {
        CertificateState.PENDING: _("A certificate still being issued cannot be reissued."),
        CertificateState.ISSUED: _("A valid certificate cannot be reissued."),
        CertificateState.REVOKED: _("A revoked certificate cannot be reissued."),
        CertificateState.REPLACED: _("A certificate that was replaced cannot be reissued."),
        CertificateState.WITHDRAWN: _(
            "A certificate withdrawn at the holder's request cannot be reissued."
        ),
    },
}


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


def _refuse(certificate: Certificate, doing: str) -> CertificatesError:
    return CertificatesError(
        "wrong_state", str(REFUSALS[doing][CertificateState(certificate.state)])
    )


def certificate_revoke(*, certificate: Certificate, reason: str, actor) -> Certificate:
    """Revoke a valid certificate: its code then verifies as revoked, with the reason."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificatesError(
            "reason_required",
            gettext("Give the reason for revoking: it is kept with the certificate."),
        )
    with transaction.atomic(durable=True):
        certificate = _locked(certificate)
        if certificate.state != CertificateState.ISSUED:
            raise _refuse(certificate, "revoked")
        certificate.state = CertificateState.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = actor if is_person(actor) else None
        certificate.revoked_reason = reason
        certificate.save(update_fields=["state", "revoked_at", "revoked_by", "revoked_reason"])
        audit(certificate, "revoke", actor, reason=reason)
        announce(certificate, "revoked")
    return certificate


def _may_undo_revocation(actor) -> bool:
    return actor is None or bool(
        getattr(actor, "is_authenticated", False)
        and (actor.is_superuser or actor.has_perm("certificates.change_certificate"))
    )


def certificate_reissue(*, certificate: Certificate, actor, reason: str = "") -> Certificate:
    """Replace a valid or revoked certificate by a new one with the holder's current profile
    name (a name correction). The old row stays, marked replaced and pointing at the new one,
    so its code still verifies (as replaced); the new one is rendered by a job."""
    reason = " ".join((reason or "").split())
    with transaction.atomic(durable=True):
        old = _locked(certificate)
        if old.state not in (CertificateState.ISSUED, CertificateState.REVOKED):
            raise _refuse(old, "reissued")
        if old.state == CertificateState.REVOKED and not _may_undo_revocation(actor):
            # Reissuing a revoked certificate makes a valid one again: that is the revoking
            # authority's decision, not the cohort staff's.
            raise CertificatesError(
                "revoked",
                gettext("Only programme admins can reissue a revoked certificate."),
            )
        target = Target(*next((f, o) for f, o in _target_fields(old) if o is not None))
        template = CertificateTemplate.objects.filter(
            pk=old.template_id
        ).first() or certificate_template_for(kind=target.kind, **target.filter)
        if template is None:
            raise CertificatesError(
                "no_template",
                gettext("No certificate template applies to “%(title)s” any more: add one first.")
                % {"title": target.title},
            )
        user = get_user_model().objects.select_related("profile").get(pk=old.user_id)
        fields = snapshot_fields(
            user=user, target=target, template=template, programme=programme_of(target)
        )
        old.state = CertificateState.REPLACED
        old.save(update_fields=["state"])
        new = Certificate.objects.create(
            **fields, source=CertificateSource.REISSUE, requested_by=person(actor)
        )
        old.replaced_by = new
        old.save(update_fields=["replaced_by"])
        audit(
            old,
            "reissue",
            actor,
            reason=reason,
            replacement_id=new.pk,
            old_name=old.holder_name,
            new_name=new.holder_name,
        )
        emit(
            "certificates.certificate.reissued",
            key=f"certificates.certificate.reissued:{old.pk}",
            payload={"certificate_id": old.pk, "replacement_id": new.pk, "user_id": old.user_id},
        )
        render_later(new.pk)
    return new


def _target_fields(certificate: Certificate):
    return (
        ("cohort", certificate.cohort),
        ("activity", certificate.activity),
        ("module", certificate.module),
    )

"""The one domain error of certificates and its codes."""

from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from lms.errors import DomainError


class CertificatesError(DomainError):
    """A domain failure of certificates; `code` is stable, `message` is shown to people."""

    codes: ClassVar[dict[str, str]] = {
        "no_name": _("The certificate needs the holder's name: add it to the profile first."),
        "no_target": _("A certificate is for exactly one cohort, activity or module."),
        "no_template": _("No certificate template is set up for this."),
        "nobody_completed": _("Nobody has completed this yet, so there is nothing to issue."),
        "not_completed": _("This has not been completed yet."),
        "not_eligible": _("This person cannot be given this certificate."),
        "reason_required": _("Give the reason for revoking: it is kept with the certificate."),
        "revoked": _("Only programme admins can reissue a revoked certificate."),
        "template_gone": _("The certificate template no longer exists."),
        "wrong_kind": _("This template is for another kind of certificate."),
        "wrong_state": _("The certificate is not in a state that allows this."),
    }

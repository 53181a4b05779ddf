"""The one domain error of certificates and its codes."""

from typing import ClassVar

from lms.errors import DomainError


class CertificatesError(DomainError):
    """A domain failure of certificates; `code` is stable, `message` is shown to people."""

    codes: ClassVar[dict[str, str]] = {
        "no_name": "The certificate needs the holder's name: add it to the profile first.",
        "no_target": "A certificate is for exactly one cohort, activity or module.",
        "no_template": "No certificate template is set up for this.",
        "nobody_completed": "Nobody has completed this yet, so there is nothing to issue.",
        "not_completed": "This has not been completed yet.",
        "not_eligible": "This person cannot be given this certificate.",
        "reason_required": "Give the reason for revoking: it is kept with the certificate.",
        "revoked": "Only programme admins can reissue a revoked certificate.",
        "template_gone": "The certificate template no longer exists.",
        "wrong_kind": "This template is for another kind of certificate.",
        "wrong_state": "The certificate is not in a state that allows this.",
    }

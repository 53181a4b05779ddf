"""Events of certificates and the certificates' handlers, also of events that cohorts and
programmes emit; see lms.events.catalogue. Plain data: nothing here imports a service or a
handler."""

from lms.events.catalogue import EventType, Handler

EVENTS = [
    EventType(
        name="certificates.certificate.issued",
        about="A certificate's PDF was rendered: it can be downloaded and verified.",
        payload=("certificate_id", "user_id"),
        optional=("cohort_id", "activity_id", "module_id"),
        emitted_by=("certificates.services: certificate rendering (_render, _render_chunk)",),
    ),
    EventType(
        name="certificates.certificate.revoked",
        about="Staff revoked a certificate; its verification page says so.",
        payload=("certificate_id", "user_id"),
        optional=("cohort_id", "activity_id", "module_id"),
        emitted_by=("certificates.services: certificate_revoke",),
    ),
    EventType(
        name="certificates.certificate.reissued",
        about="A certificate was replaced by a corrected one.",
        payload=("certificate_id", "replacement_id", "user_id"),
        emitted_by=("certificates.services: certificate_reissue",),
    ),
    EventType(
        name="certificates.certificate.render_failed",
        about=(
            "One attempt to render and save a certificate's PDF failed (`error`: the exception's "
            "type and first line, for administrators); `gave_up` when it was the last attempt "
            "and the certificate now waits for staff."
        ),
        payload=("certificate_id", "user_id", "attempt", "error"),
        optional=("gave_up",),
        emitted_by=("certificates.services: render_failure_record",),
    ),
]

HANDLERS = [
    Handler(
        event="cohorts.enrolment.completed",
        name="certificates.handlers.programme_certificate_on_completion",
        func="certificates.handlers.programme_certificate_on_completion",
        does="Issues the programme certificate, when an automatic template applies.",
    ),
    Handler(
        event="programmes.activity.attended",
        name="certificates.handlers.activity_certificate_on_attendance",
        func="certificates.handlers.activity_certificate_on_attendance",
        does="Issues the activity's certificate, when an automatic template applies.",
    ),
    Handler(
        event="programmes.module.completed",
        name="certificates.handlers.module_certificate_on_completion",
        func="certificates.handlers.module_certificate_on_completion",
        does="Issues the module's certificate, when an automatic template applies.",
    ),
    Handler(
        event="certificates.certificate.issued",
        name="certificates.handlers.issued_email_send",
        func="certificates.handlers.issued_email_send",
        does="E-mails the holder the links to download and verify, once per certificate.",
    ),
    Handler(
        event="certificates.certificate.revoked",
        name="certificates.handlers.revoked_email_send",
        func="certificates.handlers.revoked_email_send",
        does="E-mails the holder, once, that the certificate was revoked and why.",
    ),
    Handler(
        event="certificates.certificate.render_failed",
        name="certificates.handlers.render_failed_alert",
        func="certificates.handlers.render_failed_alert",
        does=(
            "Alerts the site's administrators by e-mail, once per failure episode (until a "
            "certificate renders again), and logs an error."
        ),
    ),
]

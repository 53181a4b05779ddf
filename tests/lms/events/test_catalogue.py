"""The event catalogue: emit refuses what is not declared, every event the code emits is
declared, handlers are registered from it under the names deliveries are stored with, and
docs/events.md is generated from it."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from lms import events
from lms.events import catalogue
from lms.events.catalogue import UndeclaredEvent

ROOT = Path(settings.BASE_DIR)

# (event, handler name) as stored in Delivery.handler since before the capability packages:
# never change one, or an event delivered before an upgrade is handled again after it.
STORED_HANDLER_NAMES = {
    ("lms.user.registered", "lms.handlers.welcome_email_send"),
    ("cohorts.enrolment.withdrawn", "cohorts.handlers.waitlist_promote_on_withdrawal"),
    ("cohorts.enrolment.withdrawn", "cohorts.handlers.cohort_activities_withdraw"),
    ("cohorts.enrolment.withdrawn", "cohorts.handlers.withdrawn_email_send"),
    ("cohorts.enrolment.withdrawn", "cohorts.handlers_attendance.pass_revoke"),
    ("cohorts.enrolment.accepted", "cohorts.handlers.cohort_activities_register"),
    ("cohorts.enrolment.accepted", "cohorts.handlers.accepted_email_send"),
    ("cohorts.enrolment.accepted", "cohorts.handlers_attendance.pass_issue"),
    ("cohorts.enrolment.accepted", "cohorts.handlers_surveys.survey_invite_on_accepted"),
    ("programmes.module.completed", "cohorts.handlers.completion_check"),
    ("programmes.module.completed", "cohorts.handlers_surveys.survey_invite_on_module_completed"),
    ("programmes.module.completed", "certificates.handlers.module_certificate_on_completion"),
    ("programmes.activity.attended", "cohorts.handlers.completion_check"),
    ("programmes.activity.attended", "certificates.handlers.activity_certificate_on_attendance"),
    ("cohorts.enrolment.submitted", "cohorts.handlers.submitted_email_send"),
    ("cohorts.enrolment.waitlisted", "cohorts.handlers.waitlisted_email_send"),
    ("cohorts.enrolment.offered", "cohorts.handlers.offered_email_send"),
    ("cohorts.enrolment.rejected", "cohorts.handlers.rejected_email_send"),
    ("cohorts.enrolment.completed", "cohorts.handlers.completed_email_send"),
    ("cohorts.enrolment.completed", "certificates.handlers.programme_certificate_on_completion"),
    ("cohorts.enrolment.nominated", "cohorts.handlers.nominated_email_send"),
    ("cohorts.enrolment.invitation_resent", "cohorts.handlers.nomination_resent_email_send"),
    ("cohorts.enrolment.declined", "cohorts.handlers.declined_email_send"),
    ("lms.consent.refused", "cohorts.consent.leaders_tell_consent_ended"),
    ("lms.consent.withdrawn", "cohorts.consent.leaders_tell_consent_ended"),
    ("cohorts.matching.requested", "cohorts.handlers_peergroups.matching_run_enqueue"),
    ("cohorts.matching.completed", "cohorts.handlers_peergroups.run_finished_email_send"),
    ("cohorts.matching.failed", "cohorts.handlers_peergroups.run_finished_email_send"),
    ("cohorts.peergroups.published", "cohorts.handlers_peergroups.peer_group_email_send"),
    ("certificates.certificate.issued", "certificates.handlers.issued_email_send"),
    ("certificates.certificate.revoked", "certificates.handlers.revoked_email_send"),
    ("certificates.certificate.render_failed", "certificates.handlers.render_failed_alert"),
}


def test_emit_refuses_an_event_nobody_declared():
    with pytest.raises(UndeclaredEvent, match="tests.never.declared"):
        events.emit("tests.never.declared", key="never:1")


@pytest.mark.django_db
def test_emit_refuses_a_payload_key_the_event_does_not_declare():
    with pytest.raises(UndeclaredEvent, match="email"):
        events.emit("lms.user.registered", key="x", payload={"user_id": 1, "email": "a@b.c"})


@pytest.mark.django_db
def test_a_declared_test_event_may_be_emitted(event_declare):
    event_declare("tests.thing.happened", "n")

    event = events.emit("tests.thing.happened", key="declared:1", payload={"n": 1})

    assert event.pk


def test_handlers_are_registered_under_their_stored_names():
    registered = {
        (event_name, handler_name)
        for event_name, handlers in events._handlers.items()
        for handler_name in handlers
    }
    declared = {(handler.event, handler.name) for handler in catalogue.collect().handlers}

    assert registered == declared == STORED_HANDLER_NAMES


def test_every_declared_handler_is_the_function_it_names():
    for handler in catalogue.collect().handlers:
        function = events.handlers_for(handler.event)[handler.name]
        assert f"{function.__module__}.{function.__name__}" == handler.func


def _emitted_names() -> set[str]:
    """Event names the code emits: literal names, and the verbs passed to the helpers that
    build `<prefix>.<verb>` names (the f-strings of places, certificates and consent)."""
    helpers = {"_emit", "_emit_once", "enrolment_emit", "announce"}
    prefixes = {
        "cohorts": "cohorts.enrolment.",
        "certificates": "certificates.certificate.",
        "lms/consent": "lms.consent.",
    }
    names = set()
    for app in ("lms", "programmes", "cohorts", "certificates"):
        for path in (ROOT / app).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            relative = path.relative_to(ROOT).as_posix()
            prefix = next((p for folder, p in prefixes.items() if relative.startswith(folder)), "")
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                called = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if called is None:
                    continue
                strings = [
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                ]
                if called == "emit" and strings:
                    names.add(strings[0])
                elif called in helpers and strings and prefix:
                    names.add(prefix + strings[0])
                elif called == "_consent_end":
                    names |= {
                        prefix + kw.value.value
                        for kw in node.keywords
                        if kw.arg == "verb" and isinstance(kw.value, ast.Constant)
                    }
    return names


def test_every_event_the_code_emits_is_declared():
    names = _emitted_names()
    # The scan finds them all: the places and consent helpers, literal names.
    assert {"cohorts.enrolment.withdrawn", "lms.consent.refused", "lms.user.registered"} <= names
    assert names - set(catalogue.collect().events) == set()


def test_every_declared_event_is_emitted_somewhere():
    constants = {"programmes.activity.attended"}  # emitted through ATTENDED_EVENT
    assert set(catalogue.collect().events) - _emitted_names() - constants == set()


def test_handler_functions_named_in_the_catalogue_exist_in_the_code():
    for handler in catalogue.collect().handlers:
        module, _, function = handler.func.rpartition(".")
        source = (ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        assert re.search(rf"^def {function}\(", source, re.MULTILINE), handler.func


def test_the_committed_events_doc_matches_the_catalogue():
    call_command("events_doc", "--check")


def test_events_doc_check_fails_on_a_stale_file_and_writing_fixes_it(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "events.md").write_text("# Domain events\n\nstale\n")

    with pytest.raises(CommandError, match="out of date"):
        call_command("events_doc", "--check")
    call_command("events_doc")
    call_command("events_doc", "--check")

    text = (tmp_path / "docs" / "events.md").read_text()
    assert "### `cohorts.enrolment.accepted`" in text
    assert "`cohorts.handlers_attendance.pass_issue`" in text
    assert "Issues the pass of an activity place." in text

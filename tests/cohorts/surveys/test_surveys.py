"""Survey invitations driven through the real services and events: each trigger fires once at
the right time (a controllable clock), reminders stop after answering and after the maximum,
links are single-use and personal, drafts are kept, and a second submission counts nowhere."""

from datetime import timedelta

import pytest
from django.core import mail
from django.http import QueryDict

from cohorts.errors import CohortsError
from cohorts.models import Enrolment, EnrolmentState, SurveyInvitation, SurveyTarget, SurveyTrigger
from cohorts.places import services
from cohorts.surveys import handlers as handlers_surveys
from cohorts.surveys import services as surveys
from lms.events import event_dispatch
from lms.models import Event, OutgoingEmail
from programmes.models import AnonymousSurveyResponse, SurveyAnswer, SurveyResponse
from programmes.progress.services import progress_step_complete
from tests.programmes.builders import ModulePageFactory
from tests.programmes.survey_builders import full_answers, make_survey, names

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service the way a request does: commit, then the events' handlers and e-mails."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


def qd(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def survey_events(name: str) -> list[str]:
    return list(
        Event.objects.filter(name=f"cohorts.survey_invitation.{name}")
        .order_by("pk")
        .values_list("key", flat=True)
    )


def invitation_emails(user) -> list[OutgoingEmail]:
    return list(
        OutgoingEmail.objects.filter(
            recipient=user.email, reason__startswith="cohorts.survey."
        ).order_by("pk")
    )


@pytest.fixture
def cohort(make_cohort):
    return make_cohort(title="BEP 2026 — Finnish presidency")


@pytest.fixture
def survey(programme):
    return make_survey(programme, title="Pre-programme needs")


def accepted(run, cohort, person):
    enrolment = run(services.enrolment_apply, user=person, cohort=cohort, answers={})
    assert enrolment.state == EnrolmentState.ACCEPTED
    return enrolment


# --- triggers ---------------------------------------------------------------------------------


def test_acceptance_invites_once_with_a_personal_link(run, cohort, survey, make_person):
    SurveyTarget.objects.create(survey=survey, cohort=cohort, trigger=SurveyTrigger.ACCEPTED)
    person = make_person("LV", full_name="Jānis Bērziņš")

    enrolment = accepted(run, cohort, person)

    [invitation] = SurveyInvitation.objects.filter(user=person)
    assert invitation.cohort == cohort and str(invitation.country) == "LV"
    assert invitation.sent_at is not None
    [email] = invitation_emails(person)
    assert email.subject == "Your views, please: Pre-programme needs"
    assert "Dear Jānis Bērziņš" in email.body_text
    token = surveys.survey_token(invitation)
    assert f"/cohorts/surveys/{token}/" in email.body_text
    assert token not in invitation.token_hash and invitation.token_hash  # only a digest stored
    assert [m.to for m in mail.outbox if "Pre-programme" in m.subject] == [[person.email]]
    assert survey_events("created") == [f"cohorts.survey_invitation.created:{invitation.pk}"]
    assert survey_events("sent") == [f"cohorts.survey_invitation.sent:{invitation.pk}"]

    # The handler again, directly and through a redelivery: nothing new.
    event = Event.objects.get(key=f"cohorts.enrolment.accepted:{enrolment.pk}")
    handlers_surveys.survey_invite_on_accepted(event)
    event_dispatch(event_id=event.pk)
    assert SurveyInvitation.objects.filter(user=person).count() == 1
    assert len(invitation_emails(person)) == 1


def test_a_closed_or_unpublished_survey_invites_nobody(run, cohort, survey, make_person, clock):
    SurveyTarget.objects.create(survey=survey, cohort=cohort, trigger=SurveyTrigger.ACCEPTED)
    survey.closes_at = clock.now - timedelta(minutes=1)
    survey.save()
    accepted(run, cohort, make_person("EE"))
    assert not SurveyInvitation.objects.exists()


def test_module_completion_invites_members_of_the_targets_cohort(
    run, cohort, programme, make_person
):
    module = ModulePageFactory(parent=programme)
    feedback = make_survey(programme, title="Module feedback")
    SurveyTarget.objects.create(
        survey=feedback, module=module, cohort=cohort, trigger=SurveyTrigger.MODULE_COMPLETED
    )
    member, outsider = make_person("FI"), make_person("SE")
    accepted(run, cohort, member)

    for person in (member, outsider):
        for step in ("step-1", "step-2", "step-3", "step-4"):
            run(progress_step_complete, user=person, module=module, step_id=step)

    assert list(SurveyInvitation.objects.values_list("user", flat=True)) == [member.pk]
    event = Event.objects.get(key=f"programmes.module.completed:{member.pk}:{module.pk}")
    handlers_surveys.survey_invite_on_module_completed(event)
    handlers_surveys.survey_invite_on_module_completed(event)
    assert SurveyInvitation.objects.count() == 1
    assert len(invitation_emails(member)) == 1


def test_activity_trigger_fires_once_days_after_the_end(
    run, cohort, programme, make_activity, make_person, clock
):
    activity = make_activity(
        starts_at=clock.now + timedelta(days=1), ends_at=clock.now + timedelta(days=2)
    )
    feedback = make_survey(programme, title="Exercise feedback")
    target = SurveyTarget.objects.create(
        survey=feedback, activity=activity, trigger=SurveyTrigger.ACTIVITY_ENDED, days_after=3
    )
    people = [make_person("LT"), make_person("PL")]
    for person in people:
        run(services.registration_create, user=person, activity=activity)

    clock.advance(days=4, hours=23)  # ended 2 days 23 hours ago: not yet
    assert run(surveys.survey_invitations_send) == 0
    assert not SurveyInvitation.objects.exists()

    clock.advance(hours=2)  # 3 days and 1 hour after the end
    assert run(surveys.survey_invitations_send) == 2
    target.refresh_from_db()
    assert target.fired_at == clock.now
    assert sorted(SurveyInvitation.objects.values_list("user", flat=True)) == sorted(
        p.pk for p in people
    )
    assert Event.objects.filter(key=f"cohorts.survey_target.fired:{target.pk}").count() == 1

    # Later runs fire nothing again.
    clock.advance(hours=1)
    assert run(surveys.survey_invitations_send) == 0
    assert SurveyInvitation.objects.count() == 2
    assert OutgoingEmail.objects.filter(reason__startswith="cohorts.survey.invitation").count() == 2


def test_sending_by_hand_reaches_everyone_not_yet_invited(run, cohort, survey, make_person, staff):
    members = [make_person("IS"), make_person("NO")]
    for person in members:
        accepted(run, cohort, person)
    target = SurveyTarget.objects.create(survey=survey, cohort=cohort, trigger=SurveyTrigger.MANUAL)

    assert run(surveys.survey_target_send, target=target, actor=staff) == 2
    newcomer = make_person("DE")
    accepted(run, cohort, newcomer)
    assert run(surveys.survey_target_send, target=target, actor=staff) == 1
    assert run(surveys.survey_target_send, target=target, actor=staff) == 0
    assert OutgoingEmail.objects.filter(reason__startswith="cohorts.survey.invitation").count() == 3
    assert len(survey_events("sent")) == 3


def test_a_target_needs_what_its_trigger_needs(survey, cohort):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        SurveyTarget(survey=survey, trigger=SurveyTrigger.ACTIVITY_ENDED).full_clean()
    assert "activity" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        SurveyTarget(survey=survey, trigger=SurveyTrigger.MODULE_COMPLETED, cohort=cohort).clean()
    assert "module" in error.value.message_dict


# --- reminders --------------------------------------------------------------------------------


@pytest.fixture
def invited(run, cohort, survey, make_person):
    """Two accepted members invited on acceptance, with weekly reminders up to two."""
    SurveyTarget.objects.create(
        survey=survey,
        cohort=cohort,
        trigger=SurveyTrigger.ACCEPTED,
        reminder_interval_days=7,
        max_reminders=2,
    )
    people = [make_person("LV", full_name="Søren Ærø"), make_person("EE", full_name="Õie Täht")]
    for person in people:
        accepted(run, cohort, person)
    return [SurveyInvitation.objects.get(user=person) for person in people]


def reminder_count(invitation) -> int:
    return OutgoingEmail.objects.filter(
        reason__startswith=f"cohorts.survey.reminder:{invitation.pk}:"
    ).count()


def test_reminders_stop_after_answering_and_after_the_maximum(run, invited, survey, clock):
    answering, silent = invited
    clock.advance(days=6)
    assert run(surveys.survey_reminders_send) == 0

    clock.advance(days=1, minutes=1)
    assert run(surveys.survey_reminders_send) == 2
    assert run(surveys.survey_reminders_send) == 0  # same moment: nothing twice
    outcome = run(
        surveys.survey_invitation_submit,
        invitation_id=answering.pk,
        data=qd(full_answers(survey)),
        user=None,
    )
    assert outcome.ok

    for _ in range(4):
        clock.advance(days=7, minutes=1)
        run(surveys.survey_reminders_send)
    assert reminder_count(answering) == 1
    assert reminder_count(silent) == 2
    silent.refresh_from_db()
    assert silent.reminders_sent == 2 and silent.next_reminder_at is None
    reminder = OutgoingEmail.objects.get(reason=f"cohorts.survey.reminder:{silent.pk}:2")
    assert reminder.subject == "Reminder: Pre-programme needs"
    assert "Dear Õie Täht" in reminder.body_text
    assert surveys.survey_token(silent) in reminder.body_text  # the first link still works
    assert survey_events("reminded") == [
        f"cohorts.survey_invitation.reminded:{answering.pk}:1",
        f"cohorts.survey_invitation.reminded:{silent.pk}:1",
        f"cohorts.survey_invitation.reminded:{silent.pk}:2",
    ]


def test_no_reminders_after_the_survey_closes(run, invited, survey, clock):
    survey.closes_at = clock.now + timedelta(days=3)
    survey.save()
    clock.advance(days=8)
    assert run(surveys.survey_reminders_send) == 0
    assert all(reminder_count(invitation) == 0 for invitation in invited)


def test_someone_who_withdrew_is_not_reminded(run, invited, clock):
    leaving, staying = invited
    place = Enrolment.objects.get(user=leaving.user, cohort=leaving.target.cohort)
    run(services.enrolment_withdraw, enrolment=place, actor=leaving.user)

    clock.advance(days=7, minutes=1)
    assert run(surveys.survey_reminders_send) == 1
    assert reminder_count(leaving) == 0 and reminder_count(staying) == 1
    leaving.refresh_from_db()
    assert leaving.next_reminder_at is None


# --- answering --------------------------------------------------------------------------------


def test_answers_are_stored_once_and_the_link_is_single_use(run, invited, survey):
    invitation = invited[0]
    data = qd(full_answers(survey))

    outcome = run(
        surveys.survey_invitation_submit, invitation_id=invitation.pk, data=data, user=None
    )

    assert outcome.ok
    invitation.refresh_from_db()
    response = SurveyResponse.objects.get()
    assert invitation.response == response and invitation.answered_at is not None
    assert response.user == invitation.user and response.cohort_id == invitation.cohort_id
    answers_before = SurveyAnswer.objects.count()
    assert answers_before == 15
    assert survey_events("answered") == [f"cohorts.survey_invitation.answered:{invitation.pk}"]
    assert Event.objects.filter(name="programmes.survey.responded").count() == 1

    with pytest.raises(CohortsError) as error:
        run(surveys.survey_invitation_submit, invitation_id=invitation.pk, data=data, user=None)
    assert error.value.code == "answered"
    assert SurveyResponse.objects.count() == 1
    assert SurveyAnswer.objects.count() == answers_before
    assert surveys.survey_invitation_by_token(surveys.survey_token(invitation)) == invitation
    assert surveys.survey_invitation_by_token("0" * 64) is None
    assert surveys.survey_invitation_by_token("x" * 5000) is None


def test_someone_elses_link_is_refused(run, invited, survey):
    mine, theirs = invited
    with pytest.raises(CohortsError) as error:
        run(
            surveys.survey_invitation_submit,
            invitation_id=theirs.pk,
            data=qd(full_answers(survey)),
            user=mine.user,
        )
    assert error.value.code == "other_person"
    assert not SurveyResponse.objects.exists()
    theirs.refresh_from_db()
    assert theirs.answered_at is None


def test_a_draft_is_kept_and_missing_answers_count_nothing(run, invited, survey):
    invitation = invited[0]
    n = names(survey)
    partial = {n["The module met my needs"]: "2", n["What should change"]: "Shorter days"}

    run(surveys.survey_draft_save, invitation_id=invitation.pk, data=qd(partial), user=None)
    invitation.refresh_from_db()
    assert invitation.draft == {k: [v] for k, v in partial.items()}

    outcome = run(
        surveys.survey_invitation_submit, invitation_id=invitation.pk, data=qd(partial), user=None
    )
    assert not outcome.ok
    assert "This field is required." in outcome.form.errors[n["Your role"]]
    invitation.refresh_from_db()
    assert invitation.answered_at is None and invitation.draft[n["What should change"]] == [
        "Shorter days"
    ]
    assert not SurveyAnswer.objects.exists() and not survey_events("answered")


def test_an_anonymous_survey_keeps_only_that_the_invitation_was_answered(
    run, programme, cohort, make_person
):
    anonymous = make_survey(
        programme, title="Knowledge needs", anonymous=True, anonymous_breakdown="country"
    )
    SurveyTarget.objects.create(survey=anonymous, cohort=cohort, trigger=SurveyTrigger.ACCEPTED)
    person = make_person("IS", full_name="Þórunn Guðmundsdóttir", sector="customs")
    accepted(run, cohort, person)
    invitation = SurveyInvitation.objects.get(user=person)
    email = invitation_emails(person)[0]
    assert "anonymous" in email.body_text
    n = names(anonymous)
    run(
        surveys.survey_draft_save,
        invitation_id=invitation.pk,
        data=qd({n["What should change"]: "Draft words"}),
        user=None,
    )

    outcome = run(
        surveys.survey_invitation_submit,
        invitation_id=invitation.pk,
        data=qd(full_answers(anonymous)),
        user=person,
    )

    assert outcome.ok
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    assert invitation.response is None and invitation.draft == {}
    assert not SurveyResponse.objects.exists()
    stored = AnonymousSurveyResponse.objects.get()
    assert str(stored.country) == "IS" and stored.sector == ""  # only what the survey keeps
    assert stored.cohort_id == cohort.pk
    assert SurveyAnswer.objects.filter(response__isnull=False).count() == 0
    assert SurveyAnswer.objects.filter(anonymous_response=stored).count() == 15
    assert not Event.objects.filter(name="programmes.survey.responded").exists()
    [answered] = Event.objects.filter(name="cohorts.survey_invitation.answered")
    assert str(stored.pk) not in str(answered.payload)

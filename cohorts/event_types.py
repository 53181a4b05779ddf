"""Events of cohorts (places, peer-group matching, surveys sent to participants) and the cohorts'
handlers, also of events that programmes and the kernel emit; see lms.events.catalogue. Plain
data: nothing here imports a service or a handler."""

from lms.events.catalogue import EventType, Handler

# Every place event names the place and its holder, and the cohort or the activity it is for.
_PLACE = ("enrolment_id", "user_id")
_FOR = ("cohort_id", "activity_id")


def _place(verb: str, about: str, *emitters: str, payload=(), optional=_FOR) -> EventType:
    return EventType(
        name=f"cohorts.enrolment.{verb}",
        about=about,
        payload=(*_PLACE, *payload),
        optional=optional,
        emitted_by=emitters,
    )


EVENTS = [
    _place("submitted", "An application was made.", "cohorts.places: enrolment_apply"),
    _place(
        "accepted",
        "A place was given: decided, an offer taken, a nomination confirmed, or a group "
        "booking made (after the guardian's consent where one is needed).",
        "cohorts.places: enrolment_apply and registration_create (open places), enrolment_decide, "
        "offer_respond, nomination_confirm",
        "cohorts.groups: group_book, the guardian's consent given",
    ),
    _place(
        "waitlisted",
        "An application went on the waitlist.",
        "cohorts.places: enrolment_apply and registration_create (full), enrolment_decide",
    ),
    _place(
        "offered",
        "A freed place is offered to the next person on the waitlist.",
        "cohorts.places: waitlist promotion (_promote)",
    ),
    _place("rejected", "An application was turned down.", "cohorts.places: enrolment_decide"),
    _place(
        "withdrawn",
        "A place was given up (by its holder, by staff, or by a substitution); `freed` tells "
        "whether a place became free.",
        "cohorts.places: enrolment_withdraw, offer_respond (declined), offers_expire, "
        "nomination_decline, nomination_substitute, leaving a cohort",
        "cohorts.groups: a booking cancelled by the group leader",
        payload=("freed", "reason"),
    ),
    _place(
        "completed",
        "A cohort place was completed (every module and activity the cohort requires).",
        "cohorts.places: enrolment_complete_check",
    ),
    _place("nominated", "A focal point nominated a person.", "cohorts.places: nominate"),
    _place(
        "invitation_resent",
        "A focal point asked for a new invitation of a nominee (one event per request).",
        "cohorts.places: nomination_resend",
        optional=(),
    ),
    _place("declined", "A nominee declined the nomination.", "cohorts.places: nomination_decline"),
    _place(
        "pending_consent",
        "A group booked a place for a young member: it waits for the guardian's consent.",
        "cohorts.groups: group_book",
        payload=("group_id",),
    ),
    EventType(
        name="cohorts.matching.requested",
        about="Staff asked for a peer-group matching run.",
        payload=("run_id", "cohort_id"),
        emitted_by=("cohorts.matching: matching_run_request",),
    ),
    EventType(
        name="cohorts.matching.completed",
        about="A matching run found its groups.",
        payload=("run_id", "cohort_id"),
        emitted_by=("cohorts.matching: matching_run_execute",),
    ),
    EventType(
        name="cohorts.matching.failed",
        about="A matching run failed (or was given up).",
        payload=("run_id", "cohort_id"),
        emitted_by=("cohorts.matching: matching_run_execute (_fail)",),
    ),
    EventType(
        name="cohorts.matching.adjusted",
        about="Staff moved a participant from one peer group to another.",
        payload=("run_id", "cohort_id", "enrolment_id", "from_group", "to_group"),
        emitted_by=("cohorts.matching: matching_run_move",),
    ),
    EventType(
        name="cohorts.peergroups.published",
        about="A run's peer groups were published to the participants.",
        payload=("cohort_id", "run_id", "publication", "published_at", "notify"),
        emitted_by=("cohorts.matching: matching_run_publish",),
    ),
    EventType(
        name="cohorts.survey_target.fired",
        about="A survey target's trigger fired (a date reached): its invitations were made.",
        payload=("target_id", "survey_id"),
        emitted_by=("cohorts.surveys: survey_triggers_fire",),
    ),
    EventType(
        name="cohorts.survey_invitation.created",
        about="A person was invited to a survey.",
        payload=("invitation_id", "survey_id", "user_id", "target_id"),
        emitted_by=("cohorts.surveys: every invitation made (_invite)",),
    ),
    EventType(
        name="cohorts.survey_invitation.sent",
        about="A survey invitation's e-mail was queued.",
        payload=("invitation_id", "survey_id"),
        emitted_by=(
            "cohorts.surveys: survey_invite_on_accepted, survey_invite_on_module_completed, "
            "survey_triggers_fire, survey_target_send",
        ),
    ),
    EventType(
        name="cohorts.survey_invitation.reminded",
        about="The n-th reminder of an unanswered survey invitation was queued.",
        payload=("invitation_id", "number"),
        emitted_by=("cohorts.surveys: survey_reminders_send",),
    ),
    EventType(
        name="cohorts.survey_invitation.answered",
        about="A survey invitation was answered.",
        payload=("invitation_id", "survey_id", "cohort_id"),
        emitted_by=("cohorts.surveys: survey_invitation_submit",),
    ),
]


def _email(verb: str, func: str, does: str) -> Handler:
    # The e-mail handlers of places were registered under their function's name in the
    # module that held them before the capability packages: cohorts.handlers.
    return Handler(
        event=f"cohorts.enrolment.{verb}",
        name=f"cohorts.handlers.{func}",
        func=f"cohorts.places.handlers.{func}",
        does=does,
    )


HANDLERS = [
    Handler(
        event="cohorts.enrolment.withdrawn",
        name="cohorts.handlers.waitlist_promote_on_withdrawal",
        func="cohorts.places.handlers.waitlist_promote_on_withdrawal",
        does="A freed place goes to the next eligible person on the waitlist (an offer).",
    ),
    Handler(
        event="cohorts.enrolment.accepted",
        name="cohorts.handlers.cohort_activities_register",
        func="cohorts.places.handlers.cohort_activities_register",
        does="An accepted cohort member gets places in the cohort's activities.",
    ),
    Handler(
        event="cohorts.enrolment.withdrawn",
        name="cohorts.handlers.cohort_activities_withdraw",
        func="cohorts.places.handlers.cohort_activities_withdraw",
        does="Leaving a cohort gives back the activity places that came with it.",
    ),
    Handler(
        event="programmes.module.completed",
        name="cohorts.handlers.completion_check",
        func="cohorts.places.handlers.completion_check",
        does="May complete the learner's cohort place (emits `cohorts.enrolment.completed`).",
    ),
    Handler(
        event="programmes.activity.attended",
        name="cohorts.handlers.completion_check",
        func="cohorts.places.handlers.completion_check",
        does="May complete the participant's cohort place (emits `cohorts.enrolment.completed`).",
    ),
    _email(
        "submitted", "submitted_email_send", "E-mails the applicant that the application came in."
    ),
    _email(
        "accepted",
        "accepted_email_send",
        "E-mails the place's confirmation (for an activity with passes: the pass e-mail).",
    ),
    _email(
        "waitlisted",
        "waitlisted_email_send",
        "E-mails the waitlist position (unless the person was promoted meanwhile).",
    ),
    _email("offered", "offered_email_send", "E-mails the offer with a fresh answer link, once."),
    _email("rejected", "rejected_email_send", "E-mails the applicant that no place was given."),
    _email("withdrawn", "withdrawn_email_send", "E-mails the confirmation of the withdrawal."),
    _email("completed", "completed_email_send", "E-mails the congratulations on completion."),
    _email("nominated", "nominated_email_send", "E-mails the nominee's invitation link, once."),
    _email(
        "invitation_resent",
        "nomination_resent_email_send",
        "E-mails the nominee a new invitation link, in an e-mail of its own.",
    ),
    _email("declined", "declined_email_send", "E-mails the focal point that the nominee declined."),
    Handler(
        event="lms.consent.refused",
        name="cohorts.consent.leaders_tell_consent_ended",
        func="cohorts.groups.consent.leaders_tell_consent_ended",
        does="E-mails every leader of the group that booked the place that it is gone.",
    ),
    Handler(
        event="lms.consent.withdrawn",
        name="cohorts.consent.leaders_tell_consent_ended",
        func="cohorts.groups.consent.leaders_tell_consent_ended",
        does="E-mails every leader of the group that booked the place that it is gone.",
    ),
    Handler(
        event="cohorts.matching.requested",
        name="cohorts.handlers_peergroups.matching_run_enqueue",
        func="cohorts.matching.handlers.matching_run_enqueue",
        does="Queues the job `cohorts.tasks.matching_run_task` for the run.",
    ),
    Handler(
        event="cohorts.matching.completed",
        name="cohorts.handlers_peergroups.run_finished_email_send",
        func="cohorts.matching.handlers.run_finished_email_send",
        does="E-mails the person who started the run that it is done, with a link to it.",
    ),
    Handler(
        event="cohorts.matching.failed",
        name="cohorts.handlers_peergroups.run_finished_email_send",
        func="cohorts.matching.handlers.run_finished_email_send",
        does="E-mails the person who started the run that it failed, with a link to it.",
    ),
    Handler(
        event="cohorts.peergroups.published",
        name="cohorts.handlers_peergroups.peer_group_email_send",
        func="cohorts.matching.handlers.peer_group_email_send",
        does="E-mails each participant (when `notify`) their peer group, once per publication.",
    ),
    Handler(
        event="cohorts.enrolment.accepted",
        name="cohorts.handlers_attendance.pass_issue",
        func="cohorts.attendance.handlers.pass_issue",
        does="Issues the pass of an activity place.",
    ),
    Handler(
        event="cohorts.enrolment.withdrawn",
        name="cohorts.handlers_attendance.pass_revoke",
        func="cohorts.attendance.handlers.pass_revoke",
        does="Revokes the pass of an activity place: it stops working at check-in.",
    ),
    Handler(
        event="cohorts.enrolment.accepted",
        name="cohorts.handlers_surveys.survey_invite_on_accepted",
        func="cohorts.surveys.handlers.survey_invite_on_accepted",
        does="Invites the person to the cohort's (or activity's) pre-programme surveys.",
    ),
    Handler(
        event="programmes.module.completed",
        name="cohorts.handlers_surveys.survey_invite_on_module_completed",
        func="cohorts.surveys.handlers.survey_invite_on_module_completed",
        does="Invites the learner to the module's feedback surveys.",
    ),
]

"""Events of programmes (progress, surveys answered, lessons learned); see
lms.events.catalogue. Plain data: nothing here imports a service or a handler. Programmes
handles none of its events itself: cohorts and certificates do (see theirs)."""

from lms.events.catalogue import EventType

EVENTS = [
    EventType(
        name="programmes.module.completed",
        about="A learner finished every step of a module.",
        payload=("user_id", "module_id"),
        emitted_by=("programmes.progress: progress_step_complete, quiz_submit",),
    ),
    EventType(
        name="programmes.activity.attended",
        about="A participant met the attendance rule of an activity (check-ins recorded).",
        payload=("enrolment_id", "activity_id", "user_id"),
        emitted_by=("cohorts.attendance: check_in, attendance_set, attendance rule changes",),
    ),
    EventType(
        name="programmes.survey.responded",
        about="A survey was answered (by a signed-in person or anonymously).",
        payload=("survey_id", "response_id", "user_id"),
        emitted_by=("programmes.surveys.answering: survey_response_record",),
    ),
    EventType(
        name="programmes.lessons_learned.submitted",
        about="Staff without publishing rights submitted a lessons-learned page to the programme "
        "admins' approval workflow.",
        payload=("page_id", "survey_id"),
        emitted_by=("programmes.surveys.answering: lessons_learned_publish",),
    ),
    EventType(
        name="programmes.lessons_learned.published",
        about="A programme admin (or the demo) published a lessons-learned page at once.",
        payload=("page_id", "survey_id"),
        emitted_by=("programmes.surveys.answering: lessons_learned_publish",),
    ),
]

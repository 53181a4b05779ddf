"""Applying to a cohort and registering for an activity open to anyone."""

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohorts.errors import CohortsError
from cohorts.places.models import (
    Cohort,
    Enrolment,
    EnrolmentMode,
    EnrolmentSource,
)
from cohorts.places.services.book import (
    PlaceBook,
    enrolment_decide_open,
    enrolment_emit,
    enrolment_snapshot,
    guardian_check,
    place_lock,
    place_transaction,
    profile_of,
)
from lms.ages import age_on
from lms.models import Profile
from programmes.models import ActivityPage


def enrolment_apply(
    *, user, cohort: Cohort, answers: dict | None = None, profile: Profile | None = None
) -> Enrolment:
    """A person applies to a cohort. Open cohorts decide at once (a place, or the waitlist);
    approval cohorts keep the application for staff."""
    now = timezone.now()
    if not cohort.applications_open(now):
        if cohort.enrolment_mode == EnrolmentMode.NOMINATION:
            raise CohortsError(
                "nomination_only",
                _("Places in this cohort are filled by national focal points' nominations."),
            )
        raise CohortsError("closed", _("Applications for this cohort are not open."))
    if profile is None or profile.user_id != user.pk:
        profile = profile_of(user)
    guardian_check(profile)
    if profile is None or not profile.country:
        raise CohortsError(
            "profile_incomplete",
            _(
                "Please add your country to your profile first: places are shared between "
                "countries."
            ),
        )
    answers = _answers_clean(cohort, answers or {})
    if Enrolment.objects.filter(cohort=cohort, user=user).exists():
        raise CohortsError("duplicate", _("You have already applied to this cohort."))

    def new_enrolment() -> Enrolment:
        enrolment = Enrolment(
            cohort=cohort, user=user, source=EnrolmentSource.APPLICATION, answers=answers
        )
        enrolment_snapshot(enrolment, profile)
        return enrolment

    if cohort.enrolment_mode == EnrolmentMode.APPROVAL:
        with place_transaction():
            enrolment = new_enrolment()
            enrolment.save()
            enrolment_emit(enrolment, "submitted")
        return enrolment
    if connection.vendor == "postgresql" and getattr(settings, "COHORTS_PLACE_LOCKING", True):
        # Once a burst has filled a country, most applicants only need to hear "waitlist".
        # Under a shared lock that answer cannot go stale (freeing a place needs the exclusive
        # lock), so those applicants do not queue behind the ones who may get a place.
        with place_transaction():
            place_lock(cohort, shared=True)
            enrolment = new_enrolment()
            book = PlaceBook(cohort, now=now)
            reason = book.blocked_by(enrolment)
            if reason is not None:
                enrolment_decide_open(enrolment, book, now=now)
                return enrolment
    with place_transaction():
        place_lock(cohort)
        enrolment = new_enrolment()
        enrolment_decide_open(enrolment, PlaceBook(cohort, now=now), now=now)
    return enrolment


def _answers_clean(cohort: Cohort, answers: dict) -> dict:
    cleaned = {}
    missing = []
    for question in cohort.questions.all():
        value = str(answers.get(question.field_name, answers.get(str(question.pk), ""))).strip()
        if question.required and not value:
            missing.append(question.label)
        if value:
            cleaned[str(question.pk)] = {"question": question.label, "answer": value[:5000]}
    if missing:
        raise CohortsError(
            "answers_missing",
            # Translators: the labels of the unanswered questions follow, joined by "; ".
            _("Please answer: %(questions)s.") % {"questions": "; ".join(missing)},
        )
    return cleaned


REGISTRATION_CLOSED = {
    "not_yet": gettext_lazy("Registration for this activity has not opened yet."),
    "closed": gettext_lazy("Registration for this activity has closed."),
    "started": gettext_lazy("Registration closed when the activity started."),
    "over": gettext_lazy("This activity has already taken place."),
}


def registration_create(*, user, activity: ActivityPage) -> Enrolment:
    """A person registers for an activity that is open to anyone: the same places service."""
    now = timezone.now()
    activity = activity.specific
    status = activity.registration_status(now)
    if status != "open":
        raise CohortsError("closed", REGISTRATION_CLOSED[status])
    profile = profile_of(user)
    guardian_check(profile)
    if profile is None or not profile.country:
        raise CohortsError(
            "profile_incomplete", _("Please add your country to your profile before registering.")
        )
    _eligibility_check(activity, profile, now=now)
    with place_transaction():
        earlier = Enrolment.objects.filter(activity=activity, user=user).blocking_a_new_place()
        if earlier.exists():
            raise CohortsError("duplicate", _("You are already registered for this activity."))
        place_lock(activity)
        enrolment = Enrolment(activity=activity, user=user, source=EnrolmentSource.REGISTRATION)
        enrolment_snapshot(enrolment, profile)
        enrolment_decide_open(enrolment, PlaceBook(activity, now=now), now=now)
    return enrolment


def _eligibility_check(activity: ActivityPage, profile: Profile, *, now) -> None:
    if activity.sectors and profile.sector not in activity.sectors:
        raise CohortsError(
            "not_eligible",
            _("This activity is for: %(sectors)s. Your profile's sector is not one of them.")
            % {"sectors": ", ".join(str(label) for label in activity.sector_labels())},
        )
    if activity.min_age or activity.max_age:
        if not profile.date_of_birth:
            raise CohortsError(
                "profile_incomplete",
                _("This activity has an age range; please add your date of birth to your profile."),
            )
        on = (activity.starts_at or now).date()
        born = profile.date_of_birth
        age = age_on(on=on, birth_date=born)
        if activity.min_age and age < activity.min_age:
            raise CohortsError(
                "not_eligible",
                _("This activity is for ages %(age)s+.") % {"age": activity.min_age},
            )
        if activity.max_age and age > activity.max_age:
            raise CohortsError(
                "not_eligible",
                _("This activity is for ages up to %(age)s.") % {"age": activity.max_age},
            )


# --- staff decisions --------------------------------------------------------------------------

"""The one domain error of cohorts (places, groups, attendance, matching, surveys, imports) and
its codes, each with the message shown when a call site has nothing more particular to say."""

from typing import ClassVar

from django.utils.translation import gettext_lazy as _

from lms.errors import DomainError


class CohortsError(DomainError):
    """A domain failure of cohorts; `code` is stable, `message` is shown to people."""

    codes: ClassVar[dict[str, str]] = {
        "already_leader": _("That person already leads this group."),
        "answered": _("This survey has already been answered with this link."),
        "answers_missing": _("Please answer the required questions."),
        "bad_birth": _("The birth date cannot be in the future."),
        "bad_decision": _("Choose accept, waitlist or reject."),
        "bad_email": _("Please enter an e-mail address that works."),
        "bad_file": _("The file cannot be read."),
        "bad_group": _("Please give the group a name."),
        "bad_group_size": _("The group size must be a whole number."),
        "bad_guardian": _("Please enter a guardian's e-mail address that works."),
        "bad_member": _("Please enter the member's first and family name."),
        "bad_min_countries": _("The minimum number of countries is too large."),
        "bad_mode": _("Choose whether to book everyone or nobody, or as many as fit."),
        "bad_no_lone": _("A rule against lone members names an unknown attribute."),
        "bad_pair": _("A pair names someone who is not an accepted participant."),
        "bad_seed": _("The seed must be a whole number."),
        "bad_session": _("A session must end after it starts."),
        "bad_status": _("Choose present, absent or excused."),
        "bad_time_limit": _("The time limit must be a whole number of seconds."),
        "bad_transition": _("This place cannot change that way from its current state."),
        "bad_weight": _("Give at least one attribute a weight above 0."),
        "closed": _("This is no longer open."),
        "duplicate": _("You have already applied to this cohort."),
        "duplicate_member": _("That member is already in the group."),
        "empty_group": _("The group has no members."),
        "final": _("This booking is already cancelled."),
        "forbidden": _("You may not do that."),
        "guardian_missing": _("A guardian's e-mail address is needed for a member under 18."),
        "guardian_pending": _("This place waits for a guardian's consent."),
        "has_bookings": _("This cannot be removed while it has bookings."),
        "has_members": _("This cannot be removed while it has members."),
        "has_records": _("This session has attendance records, so it cannot be removed."),
        "inactive": _("This survey target is switched off."),
        "incomplete": _("A saved reason needs a title and a text."),
        "last_leader": _("A group needs at least one leader."),
        "last_session": _("An activity needs at least one session."),
        "no_consent": _("This place is not waiting for a guardian's consent."),
        "no_email": _("Please enter the co-leader's e-mail address."),
        "no_members": _("Choose at least one member to book."),
        "no_nomination": _("This nomination is no longer open."),
        "no_offer": _("This offer is no longer open."),
        "no_place": _("There is no place left."),
        "nomination_only": _(
            "Places in this cohort are filled by national focal points' nominations."
        ),
        "not_a_leader": _("That person does not lead this group."),
        "not_adult": _("Group leaders must be adults."),
        "not_done": _("Only a finished run can be re-matched."),
        "not_eligible": _("This is not open to you."),
        "not_found": _("That no longer exists."),
        "not_in_run": _("That person is not in this run's groups."),
        "not_nominable": _("That person cannot be nominated."),
        "offer_expired": _("This offer has expired."),
        "other_account": _("This invitation is for another address than your account's."),
        "other_person": _("This link was sent to someone else."),
        "profile_incomplete": _("Please complete your profile first."),
        "ratio": _("The group needs more adults with it for that many young members."),
        "refused": _("This person has no place at this activity."),
        "same_group": _("Those two are already in the same group."),
        "stale": _("Someone changed this meanwhile; please reload the page."),
        "too_early": _("This is not open yet."),
        "too_few": _("At least two accepted participants are needed to form peer groups."),
        "too_many": _("There are more than the limit allows."),
        "violations": _("The groups break a rule."),
    }

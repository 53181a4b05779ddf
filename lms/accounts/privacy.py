"""The kernel's part of a person's data: account, profile, guardian consents, the e-mails sent
to them and their own actions in the audit log; and how it is erased. Registered in
LmsConfig.ready()."""

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from wagtail.admin.models import EditingSession
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry, PageLogEntry
from wagtail.users.models import UserProfile

from lms.accounts.models import GuardianApproval, Profile, User
from lms.consent.models import ConsentState, ConsentToken, GuardianConsent
from lms.consent.services import consent_cancel
from lms.mail.models import OutgoingEmail
from lms.privacy.models import DataExport
from lms.privacy.services import Erasure, personal_data_register

ACTIONS_MAX = 5000


def _consent(consent: GuardianConsent, *, about_you: bool) -> dict:
    row = {
        "for": consent.get_purpose_display(),
        "about": consent.subject_title,
        "state": consent.get_state_display(),
        "requested_at": consent.requested_at,
        "decided_at": consent.decided_at,
        "withdrawn_at": consent.withdrawn_at,
        "notice_version": consent.notice.version if consent.notice_id else "",
        "name_given_when_deciding": consent.decided_by_name,
    }
    if about_you:
        row["guardian_name"] = consent.guardian_name
        row["guardian_email"] = consent.guardian_email
    return row


def _actions(user: User) -> list[dict]:
    """What the person did, as the audit log recorded it: when, what and on what kind of
    record. The records' labels are left out: acting on others' records (as staff do) would
    otherwise put their names in this person's copy."""
    types = {ct.pk: ct.name for ct in ContentType.objects.all()}
    rows = []
    for model in (ModelLogEntry, PageLogEntry):
        for entry in model.objects.filter(user=user).order_by("timestamp")[:ACTIONS_MAX]:
            rows.append(
                {
                    "when": entry.timestamp,
                    "action": log_registry.get_action_label(entry.action)
                    if log_registry.action_exists(entry.action)
                    else entry.action,
                    "on": types.get(entry.content_type_id, ""),
                }
            )
    return sorted(rows, key=lambda row: row["when"])


def account_export(user: User) -> dict:
    profile = Profile.objects.select_related("organisation").filter(user=user).first()
    consents = GuardianConsent.objects.select_related("notice").order_by("requested_at", "pk")
    emails = OutgoingEmail.objects.filter(recipient__iexact=user.email).order_by("created_at")
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "joined_at": user.date_joined,
            "last_login_at": user.last_login,
            "active": user.is_active,
            "staff": user.is_staff,
        },
        "profile": None
        if profile is None
        else {
            "full_name": profile.full_name,
            "preferred_language": profile.get_preferred_language_display(),
            "country": profile.country.name if profile.country else "",
            "organisation": profile.organisation.name if profile.organisation else "",
            "sector": profile.get_sector_display(),
            "level": profile.get_level_display(),
            "date_of_birth": profile.date_of_birth,
            "gender": profile.get_gender_display(),
            "guardian_email": profile.guardian_email,
            "guardian_approval": profile.get_guardian_approval_display(),
            "updated_at": profile.updated_at,
        },
        "guardian_consents_about_you": [
            _consent(c, about_you=True) for c in consents.filter(person=user)
        ],
        "guardian_consents_you_decided": [
            _consent(c, about_you=False)
            for c in consents.filter(guardian_email__iexact=user.email).exclude(person=user)
        ],
        # What was sent, why and when. The texts are in the person's mailbox; they (and some
        # subjects) name other people, such as a peer group's members or a nominator.
        "emails_sent_to_you": [
            {
                "about": email.reason.split(":")[0],
                "status": email.get_status_display(),
                "queued_at": email.created_at,
                "sent_at": email.sent_at,
            }
            for email in emails
        ],
        "your_actions": _actions(user),
    }


def account_contacts(user: User) -> list[str]:
    found = []
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        found.append(profile.guardian_email)
    for row in GuardianConsent.objects.filter(person=user).values(
        "guardian_email", "guardian_name", "decided_by_name"
    ):
        found.extend(row.values())
    return [value for value in found if value]


def account_erase(user: User, erasure: Erasure) -> None:
    """The kernel goes last: the account itself becomes a pseudonymous, inactive row that the
    statistics of every app still count."""
    Profile.objects.filter(user=user).update(
        full_name="",
        date_of_birth=None,
        gender="",
        country="",
        organisation=None,
        sector="",
        level="",
        guardian_email="",
        guardian_approval=GuardianApproval.NOT_NEEDED,
    )
    consents = GuardianConsent.objects.filter(person=user)
    for subject_key in consents.filter(state=ConsentState.PENDING).values_list(
        "subject_key", flat=True
    ):
        consent_cancel(subject_key=subject_key)  # its links stop working; it is logged
    ConsentToken.objects.filter(consent__in=consents).delete()
    consents.update(guardian_email="", guardian_name="", decided_by_name="")
    for export in DataExport.objects.filter(user=user):
        erasure.file_delete(export.file)
    DataExport.objects.filter(user=user).delete()
    for profile in UserProfile.objects.filter(user=user):
        erasure.file_delete(profile.avatar)
        profile.delete()
    EditingSession.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    User.objects.filter(pk=user.pk).update(
        email=erasure.address,
        first_name="",
        last_name="",
        password=make_password(None),
        is_active=False,
        is_staff=False,
        is_superuser=False,
        last_login=None,
        erased_at=erasure.now,
    )


def register() -> None:
    personal_data_register(
        "account",
        label=_("your account and profile"),
        export=account_export,
        erase=account_erase,
        contacts=account_contacts,
    )

"""Youth and volunteer groups (BYFORES, Secure Kids): a group with its adult leaders, and its
members, many of them minors without an account or an e-mail address of their own."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from django_countries.fields import CountryField

from lms.ages import ADULT_AGE, age_on


class GroupKind(models.TextChoices):
    YOUTH_ORGANISATION = "youth_organisation", _("Youth organisation")
    SCHOOL_CLASS = "school_class", _("School class")
    VOLUNTEER_UNIT = "volunteer_unit", _("Volunteer unit")
    SCOUT_GROUP = "scout_group", _("Scout group")
    RESCUE_YOUTH = "rescue_youth", _("Youth rescue or fire brigade")
    OTHER = "other", pgettext_lazy("kind of group", "Other")


class YouthGroup(models.Model):
    """A youth or volunteer group: an organisation's group from one country, run by one or more
    adult leaders who add members and book places for them."""

    name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200)
    country = CountryField()
    kind = models.CharField(max_length=24, choices=GroupKind.choices)
    leaders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="led_groups")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("youth or volunteer group")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation}, {self.country.code})"


class LeaderInvitation(models.Model):
    """An invitation to co-lead a group, sent to an address a leader typed. Nobody leads a group
    before accepting, logged in with the account of that very address; the link's token is kept
    only as its SHA-256, works once and expires."""

    group = models.ForeignKey(YouthGroup, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return _("Invitation to co-lead %(group)s") % {"group": self.group.name}

    def is_open(self, now=None) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > (now or timezone.now())
        )


AGE_BANDS = (
    # Translators: an age band of a group member, shown beside their name.
    (0, 9, pgettext_lazy("age band", "under 10")),
    (10, 12, "10–12"),
    (13, 15, "13–15"),
    (16, 17, "16–17"),
)


class GroupMember(models.Model):
    """A member of a group. `person` is their account when they have one; a member without one
    gets a person record that cannot log in and has no deliverable e-mail address, so that
    places, passes, attendance and certificates work the same for everyone. Leaders see the name
    and the age band, never the full date of birth."""

    group = models.ForeignKey(YouthGroup, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    first_name = models.CharField(max_length=150)
    family_name = models.CharField(max_length=150)
    birth_year = models.PositiveSmallIntegerField()
    birth_date = models.DateField(null=True, blank=True)
    guardian_name = models.CharField(max_length=200, blank=True)
    guardian_email = models.EmailField(blank=True)
    guardian_phone = models.CharField(max_length=40, blank=True)
    # Chosen by the leader; empty: the language of the group's country (lms.languages).
    guardian_language = models.CharField(max_length=8, blank=True, default="", db_default="")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="cohorts_member_once"),
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
                name="cohorts_member_birth_year_sane",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.family_name}".strip()

    def age_on(self, on: dt.date) -> int:
        return age_on(on=on, birth_date=self.birth_date, birth_year=self.birth_year)

    def is_minor_on(self, on: dt.date) -> bool:
        return self.age_on(on) < ADULT_AGE

    def age_band(self, on: dt.date | None = None) -> str:
        age = self.age_on(on or timezone.localdate())
        for low, high, label in AGE_BANDS:
            if low <= age <= high:
                return str(label)
        # Translators: the age band of a group member who is 18 or over.
        return pgettext("age band", "adult")

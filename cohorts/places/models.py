"""Cohorts (editions of a programme), their place rules and questions, enrolments and activity
registrations, the place claims that make over-allocation impossible, and focal points."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_countries import countries
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from lms.models import Gender, Level, Sector
from lms.time_zones import zone_of_country
from programmes.models import TIME_ZONES


class EnrolmentMode(models.TextChoices):
    OPEN = "open", _("Open: first come, first served")
    APPROVAL = "approval", _("By approval: staff decide")
    NOMINATION = "nomination", _("By nomination: focal points nominate")


# Fixed addresses under /cohorts/ that a cohort's slug would shadow.
RESERVED_SLUGS = {"places", "offer", "nomination", "activities", "pass", "surveys"}


class Cohort(ClusterableModel):
    """One edition of a programme, e.g. “BEP 2026 — Finnish presidency”."""

    programme = models.ForeignKey(
        "programmes.ProgrammePage",
        on_delete=models.PROTECT,
        related_name="cohorts",
        verbose_name=_("programme"),
    )
    title = models.CharField(max_length=200, verbose_name=_("title"))
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text=_("Used in the cohort's address."),
        verbose_name=_("slug"),
    )
    summary = models.TextField(
        blank=True, help_text=_("Shown to applicants."), verbose_name=_("summary")
    )
    presidency_country = CountryField(blank=True, verbose_name=_("presidency country"))
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        choices=[(tz, tz) for tz in TIME_ZONES],
        help_text=_(
            "Deadlines and offers of this cohort are shown in this time zone. "
            "Empty: the presidency country's (Helsinki time for Finland)."
        ),
        verbose_name=_("time zone"),
    )
    staff_group = models.OneToOneField(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staffed_cohort",
        help_text=_("Members manage this cohort only. Created with the cohort."),
        verbose_name=_("staff group"),
    )
    starts_on = models.DateField(verbose_name=_("starts on"))
    ends_on = models.DateField(verbose_name=_("ends on"))
    staff_access_until = models.DateField(
        null=True,
        blank=True,
        help_text=_("Staff rights end after this day; empty: 90 days after."),
        verbose_name=_("staff access until"),
    )
    enrolment_mode = models.CharField(
        max_length=16,
        choices=EnrolmentMode.choices,
        default=EnrolmentMode.APPROVAL,
        verbose_name=_("enrolment mode"),
    )
    applications_open_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("applications open at")
    )
    applications_close_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("applications close at")
    )
    nomination_deadline = models.DateTimeField(
        null=True, blank=True, verbose_name=_("nomination deadline")
    )
    capacity = models.PositiveIntegerField(
        help_text=_("Places in this edition."), verbose_name=_("capacity")
    )
    offer_hours = models.PositiveIntegerField(
        default=72,
        help_text=_("How long a waitlist offer stays open."),
        verbose_name=_("offer hours"),
    )
    modules = ParentalManyToManyField(
        "programmes.ModulePage", blank=True, related_name="cohorts", verbose_name=_("modules")
    )
    activities = ParentalManyToManyField(
        "programmes.ActivityPage", blank=True, related_name="cohorts", verbose_name=_("activities")
    )
    activities_required = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("How many of the activities must be attended to complete; empty: all."),
        verbose_name=_("activities required"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="cohorts_cohort_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        errors = {}
        if not self.time_zone:
            self.time_zone = zone_of_country(self.presidency_country)
        if self.slug in RESERVED_SLUGS:
            errors["slug"] = _(
                "“%(slug)s” is used by the site's own addresses; choose another."
            ) % {"slug": self.slug}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The cohort cannot end before it starts.")
        if (
            self.applications_open_at
            and self.applications_close_at
            and self.applications_close_at < self.applications_open_at
        ):
            errors["applications_close_at"] = _("Applications cannot close before they open.")
        if self.enrolment_mode == EnrolmentMode.NOMINATION and not self.nomination_deadline:
            errors["nomination_deadline"] = _("A nomination cohort needs a nomination deadline.")
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self) -> str:
        """The cohort's time zone: its own, else the presidency country's."""
        return self.time_zone or zone_of_country(self.presidency_country)

    @property
    def staff_rights_end(self):
        return self.staff_access_until or (self.ends_on + timedelta(days=90))

    def applications_open(self, now=None) -> bool:
        now = now or timezone.now()
        if self.enrolment_mode == EnrolmentMode.NOMINATION:
            return False
        if self.applications_open_at and now < self.applications_open_at:
            return False
        return not (self.applications_close_at and now >= self.applications_close_at)

    def nominations_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.enrolment_mode == EnrolmentMode.NOMINATION and bool(
            self.nomination_deadline and now < self.nomination_deadline
        )


class RuleKind(models.TextChoices):
    CAP = "cap", _("At most")
    MINIMUM = "minimum", _("At least (reserved)")


class RuleAttribute(models.TextChoices):
    COUNTRY = "country", _("Country")
    ORGANISATION = "organisation", _("Organisation")
    SECTOR = "sector", _("Sector")
    LEVEL = "level", _("Level")
    GENDER = "gender", _("Gender")


class PlaceRule(Orderable):
    """“At most 2 per country”, “at most 3 per organisation”, “at least 1 from municipalities,
    reserved until 1 March”. A cap with no value applies to every value of the attribute."""

    cohort = ParentalKey(
        Cohort, on_delete=models.CASCADE, related_name="place_rules", verbose_name=_("cohort")
    )
    kind = models.CharField(
        max_length=16, choices=RuleKind.choices, default=RuleKind.CAP, verbose_name=_("kind")
    )
    attribute = models.CharField(
        max_length=16, choices=RuleAttribute.choices, verbose_name=_("attribute")
    )
    value = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("A country code (FI), sector (police) ... Empty: every value."),
        verbose_name=_("value"),
    )
    limit = models.PositiveSmallIntegerField(verbose_name=_("limit"))
    reserved_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "Minimums only: places are held back until then, then released. "
            "Empty: until applications close."
        ),
        verbose_name=_("reserved until"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("place rule")
        verbose_name_plural = _("place rules")
        constraints = [
            models.CheckConstraint(condition=Q(limit__gte=1), name="cohorts_rule_limit_positive"),
        ]

    def __str__(self) -> str:
        """“at most 2 per country”, “at least 1 for Municipality”."""
        if not self.value:
            # Translators: a place rule, e.g. "at most 2 per country".
            text = ngettext(
                "at most %(limit)s per %(attribute)s",
                "at most %(limit)s per %(attribute)s",
                self.limit,
            )
            return text % {"limit": self.limit, "attribute": self.get_attribute_display().lower()}
        label = self.value_label
        if self.kind == RuleKind.MINIMUM:
            # Translators: a place rule, e.g. "at least 1 for Municipality".
            text = ngettext(
                "at least %(limit)s for %(value)s", "at least %(limit)s for %(value)s", self.limit
            )
        else:
            # Translators: a place rule, e.g. "at most 2 for Finland".
            text = ngettext(
                "at most %(limit)s for %(value)s", "at most %(limit)s for %(value)s", self.limit
            )
        return text % {"limit": self.limit, "value": label}

    @property
    def value_label(self) -> str:
        if self.attribute == RuleAttribute.COUNTRY:
            return countries.name(self.value) or self.value
        choices = {
            RuleAttribute.SECTOR: Sector,
            RuleAttribute.LEVEL: Level,
            RuleAttribute.GENDER: Gender,
        }.get(self.attribute)
        if choices is not None:
            return str(dict(choices.choices).get(self.value, self.value))
        return self.value

    def clean(self):
        if self.kind == RuleKind.MINIMUM and not self.value:
            raise ValidationError({"value": _("A minimum needs the value it reserves places for.")})
        allowed = ATTRIBUTE_VALUES.get(self.attribute)
        if self.value and allowed is not None and self.value not in allowed:
            raise ValidationError(
                {"value": _("“%(value)s” is not a known value.") % {"value": self.value}}
            )


ATTRIBUTE_VALUES = {
    RuleAttribute.SECTOR: set(Sector.values),
    RuleAttribute.LEVEL: set(Level.values),
    RuleAttribute.GENDER: set(Gender.values),
}


class ApplicationQuestion(Orderable):
    """A programme-specific question on the cohort's application form."""

    cohort = ParentalKey(
        Cohort, on_delete=models.CASCADE, related_name="questions", verbose_name=_("cohort")
    )
    label = models.CharField(max_length=200, verbose_name=_("label"))
    help_text = models.CharField(max_length=300, blank=True, verbose_name=_("help text"))
    required = models.BooleanField(default=True, verbose_name=_("required"))
    long_answer = models.BooleanField(default=True, verbose_name=_("long answer"))

    class Meta(Orderable.Meta):
        verbose_name = _("application question")
        verbose_name_plural = _("application questions")

    def __str__(self) -> str:
        return self.label

    @property
    def field_name(self) -> str:
        return f"question_{self.pk}"


class EnrolmentState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    NOMINATED = "nominated", _("Nominated, awaiting confirmation")
    WAITLISTED = "waitlisted", _("Waitlisted")
    OFFERED = "offered", _("Offered a place")
    PENDING_CONSENT = "pending_consent", _("Place held, waiting for a guardian's consent")
    ACCEPTED = "accepted", pgettext_lazy("enrolment state", "Accepted")
    REJECTED = "rejected", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    COMPLETED = "completed", pgettext_lazy("enrolment state", "Completed")


# States in which an enrolment holds a place (it owns place claims).
HOLDING = (
    EnrolmentState.NOMINATED,
    EnrolmentState.OFFERED,
    EnrolmentState.PENDING_CONSENT,
    EnrolmentState.ACCEPTED,
    EnrolmentState.COMPLETED,
)
FINAL = (EnrolmentState.REJECTED, EnrolmentState.WITHDRAWN, EnrolmentState.COMPLETED)
# The states of someone who holds a place and takes part (or took part).
CONFIRMED = (EnrolmentState.ACCEPTED, EnrolmentState.COMPLETED)

TRANSITIONS = {
    EnrolmentState.SUBMITTED: {
        EnrolmentState.ACCEPTED,
        EnrolmentState.WAITLISTED,
        EnrolmentState.REJECTED,
        EnrolmentState.WITHDRAWN,
    },
    EnrolmentState.NOMINATED: {EnrolmentState.ACCEPTED, EnrolmentState.WITHDRAWN},
    EnrolmentState.WAITLISTED: {
        EnrolmentState.OFFERED,
        EnrolmentState.ACCEPTED,
        EnrolmentState.REJECTED,
        EnrolmentState.WITHDRAWN,
    },
    EnrolmentState.OFFERED: {EnrolmentState.ACCEPTED, EnrolmentState.WITHDRAWN},
    EnrolmentState.PENDING_CONSENT: {EnrolmentState.ACCEPTED, EnrolmentState.WITHDRAWN},
    EnrolmentState.ACCEPTED: {EnrolmentState.WITHDRAWN, EnrolmentState.COMPLETED},
    EnrolmentState.REJECTED: set(),
    EnrolmentState.WITHDRAWN: set(),
    EnrolmentState.COMPLETED: set(),
}


# A person has one live place per activity; a withdrawn one stays as history and does not stop a
# new booking (a guardian who changes their mind, a participant who comes back). Cohort places
# are never taken back, so every cohort enrolment counts. The database constraint below uses it.
LIVE_ACTIVITY_PLACE = Q(activity__isnull=False) & ~Q(state=EnrolmentState.WITHDRAWN)


class EnrolmentQuerySet(models.QuerySet):
    def blocking_a_new_place(self):
        """The places that stop the same person being given another in the same cohort or
        activity: every cohort enrolment, every activity place but a withdrawn one."""
        return self.filter(Q(cohort__isnull=False) | LIVE_ACTIVITY_PLACE)


class EnrolmentSource(models.TextChoices):
    APPLICATION = "application", _("Application")
    REGISTRATION = "registration", _("Activity registration")
    STAFF = "staff", _("Added by staff")
    IMPORT = "import", _("CSV import")
    NOMINATION = "nomination", _("Nomination")
    COHORT = "cohort", _("Place in the cohort")
    GROUP = "group", _("Group booking")


class Enrolment(models.Model):
    """A person in a cohort, or registered for an activity: the same states and the same place
    rules. The attributes that place rules count are copied at application time, so a later
    profile edit cannot move a place from one country's count to another's."""

    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.CASCADE, related_name="enrolments"
    )
    activity = models.ForeignKey(
        "programmes.ActivityPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    state = models.CharField(
        max_length=16, choices=EnrolmentState.choices, default=EnrolmentState.SUBMITTED
    )
    source = models.CharField(
        max_length=16, choices=EnrolmentSource.choices, default=EnrolmentSource.APPLICATION
    )
    answers = models.JSONField(default=dict, blank=True)
    country = CountryField(blank=True)
    organisation = models.ForeignKey(
        "lms.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sector = models.CharField(max_length=32, choices=Sector.choices, blank=True)
    level = models.CharField(max_length=32, choices=Level.choices, blank=True)
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    waitlist_seq = models.BigIntegerField(null=True, blank=True, db_index=True)
    skipped_reason = models.CharField(max_length=300, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nominations",
    )
    # What the focal point (or the imported file) said about the nominee: shown on their list,
    # never the profile of an account that already existed.
    nominee_name = models.CharField(max_length=200, blank=True)
    nominee_organisation = models.CharField(max_length=200, blank=True)
    # The nomination made this account (no password yet): only then may its link set one.
    account_created = models.BooleanField(default=False)
    link_expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the nominee's invitation link stops working.")
    )
    group = models.ForeignKey(
        "cohorts.YouthGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
        help_text=_("The youth or volunteer group whose leader booked this place."),
    )
    care_notes = models.TextField(
        _("dietary or medical notes"),
        blank=True,
        help_text=_("Deleted automatically a set number of days after the activity ends."),
    )
    care_notes_purged_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(cohort__isnull=False) & Q(activity__isnull=True))
                | (Q(cohort__isnull=True) & Q(activity__isnull=False)),
                name="cohorts_enrolment_one_target",
            ),
            models.UniqueConstraint(
                fields=["cohort", "user"],
                condition=Q(cohort__isnull=False),
                name="cohorts_enrolment_once_per_cohort",
            ),
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=LIVE_ACTIVITY_PLACE,
                name="cohorts_registration_once_per_activity",
            ),
            models.CheckConstraint(
                condition=~Q(state=EnrolmentState.WAITLISTED) | Q(waitlist_seq__isnull=False),
                name="cohorts_waitlisted_has_position",
            ),
            models.CheckConstraint(
                condition=~Q(state=EnrolmentState.OFFERED) | Q(offer_expires_at__isnull=False),
                name="cohorts_offer_expires",
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "state"]),
            models.Index(fields=["activity", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.target}"

    @property
    def target(self):
        return self.cohort if self.cohort_id else self.activity

    @property
    def zone(self) -> str:
        """The time zone this place's moments are shown in: the cohort's or the activity's."""
        return self.cohort.zone if self.cohort_id else self.activity.time_zone

    @property
    def holds_place(self) -> bool:
        return self.state in HOLDING

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    def can_become(self, state: str) -> bool:
        return state in TRANSITIONS[EnrolmentState(self.state)]


class PlaceClaim(models.Model):
    """One numbered place in one scope (the whole cohort, or one value of a capped attribute)
    held by an enrolment. Unique numbers no higher than the scope's limit make over-allocation
    impossible in the database, even for a code path that forgot to take the lock."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="claims")
    scope = models.CharField(max_length=160)
    number = models.PositiveIntegerField()
    limit = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "number"], name="cohorts_claim_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=F("limit")),
                name="cohorts_claim_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} #{self.number}"


class ReasonDecision(models.TextChoices):
    ANY = "", _("Any decision")
    ACCEPT = "accept", pgettext_lazy("decision", "Accept")
    WAITLIST = "waitlist", pgettext_lazy("decision", "Waitlist")
    REJECT = "reject", pgettext_lazy("decision", "Reject")


class ReasonTemplate(models.Model):
    """A reason staff use again and again (“Your country's places are taken; you are on the
    waitlist”), picked on the cohort desk and edited per person before it is e-mailed. A template
    with no cohort is offered on every cohort's desk."""

    cohort = models.ForeignKey(
        Cohort,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reason_templates",
        help_text=_("Empty: offered on every cohort's desk (programme admins only)."),
        verbose_name=_("cohort"),
    )
    title = models.CharField(
        max_length=100, help_text=_("A short name to pick it by."), verbose_name=_("title")
    )
    decision = models.CharField(
        max_length=16,
        choices=ReasonDecision.choices,
        blank=True,
        help_text=_("The decision it is written for; empty: any."),
        verbose_name=_("decision"),
    )
    text = models.TextField(
        max_length=2000, help_text=_("E-mailed to the person as written."), verbose_name=_("text")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("reason template")
        verbose_name_plural = _("reason templates")
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "title"], name="cohorts_reason_template_title_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class WaitlistTicket(models.Model):
    """A server-side sequence: each waitlisting takes the next id, which orders the waitlist."""

    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"waitlist ticket {self.pk}"


class FocalPoint(models.Model):
    """A member state's national focal point: nominates and substitutes that country's places."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="focal_points",
        verbose_name=_("user"),
    )
    country = CountryField(verbose_name=_("country"))
    programme = models.ForeignKey(
        "programmes.ProgrammePage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="focal_points",
        help_text=_("Empty: every programme."),
        verbose_name=_("programme"),
    )

    class Meta:
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "country", "programme"], name="cohorts_focal_point_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.country.name}"

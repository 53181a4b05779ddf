"""Read-side queries of the kernel, with their joins decided once."""

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from wagtail.models import Page

from lms.events.models import Delivery, Event
from lms.mail.models import OutgoingEmail


def home_sections(*, home: Page) -> list[dict]:
    """The home page's live sections, each with its live child pages."""
    sections = []
    for section in home.get_children().live().public().specific():
        children = list(section.get_children().live().public().specific())
        sections.append({"page": section, "children": children})
    return sections


def events_recent(*, limit: int = 200, name: str = "", status: str = "") -> QuerySet[Event]:
    """Recent events with their deliveries; events with failing deliveries first."""
    failing = [Delivery.Status.FAILED, Delivery.Status.DEAD]
    qs = Event.objects.annotate(
        failures=Count("deliveries", filter=Q(deliveries__status__in=failing)),
        first_failing=Case(
            When(failures__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    ).prefetch_related(Prefetch("deliveries", queryset=Delivery.objects.order_by("handler")))
    if name:
        qs = qs.filter(name__icontains=name)
    if status == "failing":
        qs = qs.filter(failures__gt=0)
    elif status == "undelivered":
        qs = qs.filter(dispatched_at__isnull=True)
    return qs.order_by("first_failing", "-created_at", "-id")[:limit]


def emails_recent(*, limit: int = 200, status: str = "") -> QuerySet[OutgoingEmail]:
    qs = OutgoingEmail.objects.all()
    if status in OutgoingEmail.Status.values:
        qs = qs.filter(status=status)
    # What needs a person first: sends of unknown outcome, then failures.
    failing_first = Case(
        When(status=OutgoingEmail.Status.UNKNOWN, then=Value(0)),
        When(status__in=[OutgoingEmail.Status.FAILED, OutgoingEmail.Status.DEAD], then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.order_by(failing_first, "-created_at", "-id")[:limit]

"""Read-only catalogue API (Wagtail API v2) for partner websites: programmes, modules and
activities that are live and public, with the fields a listing needs and nothing about
participants, progress or the answers to knowledge checks."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import JSONField
from rest_framework.fields import Field
from wagtail.api import APIField
from wagtail.api.v2.filters import SearchFilter
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import PageSerializer
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.fields import RichTextField, StreamField
from wagtail.search.backends import get_search_backend
from wagtail.search.backends.base import FilterFieldError, OrderByFieldError

from programmes.pages.models import ActivityPage, ModulePage, ProgrammeIndexPage, ProgrammePage
from programmes.pages.search_terms import clean_query
from programmes.pages.selectors import step_title

SEARCH_QUERY_MAX_LENGTH = 200
OFFSET_MAX = 2**31 - 1


class LessonOutlineField(Field):
    """A module's lesson steps as an outline: kind and title of each step, and for a knowledge
    check its questions and option texts. Built from an allow-list, so whatever the editors'
    blocks gain later (correct answers, per-option feedback) stays out unless added here."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        steps = []
        for child in value:
            step = {"id": child.id, "type": child.block_type, "title": step_title(child)}
            if child.block_type == "quiz":
                step["pass_mark"] = child.value.get("pass_mark")
                step["questions"] = [
                    {
                        "prompt": question.get("prompt"),
                        "options": [option.get("text") for option in question.get("options", [])],
                    }
                    for question in child.value.get("questions", [])
                ]
            steps.append(step)
        return steps


class CountryCodeField(Field):
    """A country as its ISO code, or null when none is set (an online activity has no venue)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        code = getattr(value, "code", value)
        return str(code) if code else None


# Hosts that only mean something on the machine itself: a page address built on one of them is
# rebuilt on BASE_URL, the address the site is published under.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "testserver"}


def public_base_url() -> str:
    """Scheme and host of the site's public address (BASE_URL)."""
    parts = urlsplit(settings.BASE_URL)
    return f"{parts.scheme}://{parts.netloc}"


class PublicDetailUrlField(Field):
    """The API address of an object on the site's public address, whatever host the request
    came in on."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, instance):
        router = self.context["router"]
        path = router.get_object_detail_urlpath(type(instance), instance.pk)
        return f"{public_base_url()}{path}" if path else None


class PublicHtmlUrlField(Field):
    """A page's public address: its Wagtail Site's when that names a real host, else BASE_URL."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, page):
        parts = page.get_url_parts(self.context.get("request"))
        if parts is None:
            return None
        _site_id, root_url, page_path = parts
        if root_url and urlsplit(root_url).hostname not in LOCAL_HOSTS:
            return f"{root_url}{page_path}"
        return f"{public_base_url()}{page_path}"


class CataloguePageSerializer(PageSerializer):
    detail_url = PublicDetailUrlField()
    html_url = PublicHtmlUrlField()


class PrerequisiteModulesField(Field):
    """The modules to finish first, limited to those the API itself would list."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, module):
        ordered_ids = list(
            module.prerequisites.order_by("sort_order").values_list("prerequisite_id", flat=True)
        )
        visible = {
            page.id: page
            for page in self.context["base_queryset"].filter(id__in=ordered_ids).only("title")
        }
        return [
            {"id": visible[page_id].id, "title": visible[page_id].title}
            for page_id in ordered_ids
            if page_id in visible
        ]


# What each page type shows to partner websites. Kept here rather than as `api_fields` on the
# models so that exposing a field is a decision taken in one reviewed place.
CATALOGUE_FIELDS: dict[type, list[APIField]] = {
    ProgrammeIndexPage: [APIField("intro")],
    ProgrammePage: [
        APIField("short_name"),
        APIField("summary"),
        APIField("audience"),
        APIField("goals"),
        APIField("partners"),
        APIField("contact"),
        APIField("body"),
    ],
    ModulePage: [
        APIField("summary"),
        APIField("learning_outcomes"),
        APIField("estimated_minutes"),
        APIField("prerequisite_modules", serializer=PrerequisiteModulesField()),
        APIField("lessons", serializer=LessonOutlineField()),
    ],
    ActivityPage: [
        APIField("kind"),
        APIField("summary"),
        APIField("description"),
        APIField("starts_at"),
        APIField("ends_at"),
        APIField("time_zone"),
        APIField("venue_name"),
        APIField("venue_city"),
        APIField("venue_country", serializer=CountryCodeField()),
        # The online link itself goes to registered participants only.
        APIField("is_online"),
        APIField("language"),
        APIField("capacity"),
        APIField("places_per_country"),
        APIField("registration_opens_at"),
        APIField("registration_closes_at"),
        APIField("min_age"),
        APIField("max_age"),
        APIField("sectors"),
        APIField("agenda"),
    ],
}
CATALOGUE_TYPES = tuple(CATALOGUE_FIELDS)


class CatalogueSearchFilter(SearchFilter):
    """Wagtail's ?search= filter, with bad input refused or cleaned before the backend sees it."""

    def filter_queryset(self, request, queryset, view):
        if "search" not in request.GET:
            return queryset
        raw = request.GET["search"]
        if "\x00" in raw:
            raise BadRequestError("search: null characters are not allowed")
        if len(raw) > SEARCH_QUERY_MAX_LENGTH:
            raise BadRequestError(
                f"search: at most {SEARCH_QUERY_MAX_LENGTH} characters are allowed"
            )
        operator = request.GET.get("search_operator") or None
        if operator not in (None, "and", "or"):
            raise BadRequestError("search_operator must be 'and' or 'or'")
        if getattr(queryset, "_filtered_by_tag", False):
            raise BadRequestError("filtering by tag with a search query is not supported")
        query = clean_query(raw)
        if not query:
            return queryset.none()
        try:
            return get_search_backend().search(
                query,
                queryset,
                operator=operator,
                order_by_relevance="order" not in request.GET,
            )
        except FilterFieldError as e:
            raise BadRequestError(
                f"cannot filter by '{e.field_name}' while searching (field is not indexed)"
            ) from e
        except OrderByFieldError as e:
            raise BadRequestError(
                f"cannot order by '{e.field_name}' while searching (field is not indexed)"
            ) from e


class CataloguePagination(WagtailPagination):
    """Wagtail's limit/offset paging, with an offset the database can take."""

    def paginate_queryset(self, queryset, request, view=None):
        offset = request.GET.get("offset", "0")
        if offset.isascii() and offset.isdigit() and int(offset) > OFFSET_MAX:
            raise BadRequestError(f"offset cannot be higher than {OFFSET_MAX}")
        return super().paginate_queryset(queryset, request, view)


class CataloguePagesAPIViewSet(PagesAPIViewSet):
    """Live, public catalogue pages only, with per-type fields from CATALOGUE_FIELDS."""

    pagination_class = CataloguePagination
    base_serializer_class = CataloguePageSerializer

    filter_backends = [
        CatalogueSearchFilter if backend is SearchFilter else backend
        for backend in PagesAPIViewSet.filter_backends
    ]

    @classmethod
    def get_body_fields(cls, model):
        return cls._convert_api_fields(cls.body_fields + CATALOGUE_FIELDS.get(model, []))

    @classmethod
    def get_meta_fields(cls, model):
        return cls._convert_api_fields(cls.meta_fields)

    @classmethod
    def get_available_fields(cls, model, db_fields_only=False):
        fields = super().get_available_fields(model, db_fields_only=db_fields_only)
        if not db_fields_only:
            return fields
        # Filtering or ordering on a stream, rich text or JSON column would let a caller probe
        # content the outline leaves out (and such filters make no sense anyway).
        free_text = {
            field.name
            for field in model._meta.get_fields()
            if isinstance(field, (StreamField, RichTextField, JSONField))
        }
        return [name for name in fields if name not in free_text]

    def get_base_queryset(self):
        # `.public()` on top of Wagtail's per-request check: a page behind a login or password
        # stays out even for a signed-in browser, so every response is the same for everyone.
        return super().get_base_queryset().public().type(*CATALOGUE_TYPES)

    def find_object(self, queryset, request):
        if "id" in request.GET and not (
            request.GET["id"].isascii() and request.GET["id"].isdigit()
        ):
            raise BadRequestError("id must be a positive integer")
        return super().find_object(queryset, request)

    def handle_exception(self, exc):
        if isinstance(exc, ValidationError):
            # A filter value the model field cannot parse, e.g. ?starts_at=yesterday.
            exc = BadRequestError("invalid filter value: " + "; ".join(exc.messages))
        elif isinstance(exc, OverflowError):
            # An id or number beyond what the database column holds (SQLite raises this).
            exc = BadRequestError("number out of range")
        return super().handle_exception(exc)


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", CataloguePagesAPIViewSet)

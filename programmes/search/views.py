"""Site search over the catalogue: live, public programmes, modules and activities, found by
their English words or their words in the reader's language."""

from django.conf import settings
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from wagtail.models import Locale, Page
from wagtail.search.query import And, Or, Phrase, PlainText

from lms.languages import supported
from lms.languages.content import in_language, original_of
from programmes.pages.models import ActivityPage, ModulePage, ProgrammePage
from programmes.pages.search_terms import clean_query

QUERY_MAX_LENGTH = 200
RESULTS_PER_PAGE = 10
TYPE_LABELS = {
    ProgrammePage: _("Programme"),
    ModulePage: _("Module"),
    ActivityPage: _("Activity"),
}
# What the template tells apart (the label above is in the reader's language).
TYPE_KINDS = {ProgrammePage: "programme", ModulePage: "module", ActivityPage: "activity"}


def _with_compounds(query: str):
    """A hyphenated word also finds its parts written apart or together: "table-top" finds
    "table top" and "tabletop" (pages index their hyphenated words joined as well, see
    programmes.models.CompoundWordsMixin, so "tabletop" finds "table-top")."""
    terms = query.split()
    if not any("-" in term.strip("-") for term in terms):
        return query
    parts = []
    for term in terms:
        pieces = [piece for piece in term.split("-") if piece]
        if len(pieces) > 1:
            parts.append(Or([Phrase(" ".join(pieces)), PlainText("".join(pieces))]))
        elif pieces:
            parts.append(PlainText(pieces[0]))
    return And(parts) if len(parts) > 1 else parts[0]


def catalogue_search(*, query: str, language: str | None = None):
    """Live public pages matching `query` in English or in `language` (the reader's): a page
    is found by the words of its translation too."""
    codes = {settings.LANGUAGE_CODE, supported(language or translation.get_language())}
    locales = list(Locale.objects.filter(language_code__in=codes))
    return (
        Page.objects.live()
        .public()
        .type(*TYPE_LABELS)
        .filter(locale__in=locales)
        .search(_with_compounds(query), operator="and", order_by_relevance=True)
    )


def _specific_in_order(pages) -> list[Page]:
    """The English pages of `pages` (a translation found stands for its English page, each
    page once), in order, with their texts in the reader's language."""
    ids = [page.pk for page in pages]
    specific = {page.pk: page for page in Page.objects.filter(pk__in=ids).specific()}
    found = {}
    for pk in ids:
        if pk in specific:
            page = original_of(specific[pk])
            found.setdefault(page.pk, page)
    return in_language(list(found.values()))


@require_GET
def search(request):
    query = clean_query(request.GET.get("q", ""))
    shortened = len(query) > QUERY_MAX_LENGTH
    query = query[:QUERY_MAX_LENGTH].rstrip()
    results_page = None
    results = []
    if query:
        paginator = Paginator(catalogue_search(query=query), RESULTS_PER_PAGE)
        results_page = paginator.get_page(request.GET.get("page"))
        results = [
            {
                "page": page,
                "kind": TYPE_KINDS.get(type(page), "page"),
                "type": TYPE_LABELS.get(type(page), _("Page")),
            }
            for page in _specific_in_order(results_page.object_list)
        ]
    return TemplateResponse(
        request,
        "programmes/search.html",
        {
            "query": query,
            "shortened": shortened,
            "query_max_length": QUERY_MAX_LENGTH,
            "results_page": results_page,
            "results": results,
        },
    )

"""Page content in the reader's language.

Editors write every page in English (the default locale) and translate it with wagtail-localize,
which keeps each translation as a page of its own in that language's tree. The English page stays
the one every record points at (enrolments, progress, survey answers, certificates); a reader
always reaches it, at its English path under their language's prefix (`/lv/programmes/...`), and
sees the translated texts laid over it:

- `route` finds the English page for an address (an address of a translated page, with its own
  slugs, leads to its English page too);
- `in_language(pages)` lays each page's translation in the active language over it, in memory,
  with one query for the lot; a page with no published translation keeps its English text and
  the base template says so (`content_language`);
- `canonical(queryset)` keeps only the English pages, for every list of pages that is not a
  walk down the English tree.

A translation counts when wagtail-localize made it (a page copied for translation, such as a
parent page copied on the way, is not one) and it is published.
"""

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation
from wagtail.models import Locale, Page, Site

# Fields a translation never replaces: the English page's address and identity stay.
KEPT = frozenset({"slug", "url_path", "locale", "translation_key", "id", "pk", "path", "depth"})
OVERLAID = "_reader_translation"


def canonical(queryset: QuerySet) -> QuerySet:
    """The pages of `queryset` that are the English originals, not their translations."""
    return queryset.filter(locale__language_code=settings.LANGUAGE_CODE)


def original_of(page: Page) -> Page:
    """The English page of `page` (itself when it is one)."""
    if page.locale.language_code == settings.LANGUAGE_CODE:
        return page
    found = page.get_translation_or_none(Locale.get_default())
    return found.specific if found is not None else page


def route(request, path: str):
    """Wagtail's route (page, args, kwargs) for `path` through the English tree; an address
    in a language's own tree (translated slugs) leads to the same English page."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    components = [component for component in path.split("/") if component]
    root = site.root_page.specific
    try:
        return root.route(request, components)
    except Http404:
        pass
    localized = site.root_page.localized
    if localized.pk == root.pk:
        return None
    try:
        page, args, kwargs = localized.specific.route(request, components)
    except Http404:
        return None
    return original_of(page), args, kwargs


def _translatable_fields(model) -> list[str]:
    from wagtail_localize.fields import TranslatableField, get_translatable_fields

    return [
        field.field_name
        for field in get_translatable_fields(model)
        if isinstance(field, TranslatableField) and field.field_name not in KEPT
    ]


def _translated(pages: list[Page], language: str) -> dict[str, Page]:
    """Published translations into `language` made with wagtail-localize, by translation key."""
    from wagtail_localize.models import Translation

    keys = {page.translation_key for page in pages}
    made = set(
        Translation.objects.filter(
            source__object_id__in=keys,
            target_locale__language_code=language,
            enabled=True,
        ).values_list("source__object_id", flat=True)
    )
    if not made:
        return {}
    found = (
        Page.objects.live()
        .filter(translation_key__in=made, locale__language_code=language, alias_of__isnull=True)
        .specific()
    )
    return {page.translation_key: page for page in found}


def in_language(pages, language: str | None = None) -> list:
    """`pages` (English pages; a plain Page gets its title) with their texts in `language`
    (the active one) where a translation is published; each page remembers which (see
    `translated_into`)."""
    pages = [page for page in pages if page is not None]
    language = language or translation.get_language()
    todo = [
        page
        for page in pages
        if getattr(page, OVERLAID, None) is None
        and language != settings.LANGUAGE_CODE
        and locale_code(page.locale_id) == settings.LANGUAGE_CODE
    ]
    if todo:
        found = _translated(todo, language)
        for page in todo:
            other = found.get(page.translation_key)
            if other is None or other.specific_class is not page.specific_class:
                continue
            for name in _translatable_fields(type(page)):
                setattr(page, name, getattr(other, name))
            setattr(page, OVERLAID, language)
    return pages


def translated_into(page) -> str | None:
    """The language whose texts were laid over `page`, if any."""
    return getattr(page, OVERLAID, None)


def serve(request, path: str):
    """Wagtail's page view, routed through the English tree and shown in the active language."""
    from wagtail import views

    if not hasattr(request, "_wagtail_route_for_request"):
        found = route(request, path)
        if found is not None:
            in_language([found[0]])
        request._wagtail_route_for_request = found
    return views.serve(request, path)


_locale_codes: dict[int, str] = {}


def locale_code(locale_id: int | None) -> str | None:
    """The language code of a locale. Locales are few and never change their language: known
    once per process, asked again only for one not seen yet."""
    if locale_id is None:
        return None
    if locale_id not in _locale_codes:
        _locale_codes.clear()
        _locale_codes.update(Locale.objects.values_list("id", "language_code"))
    return _locale_codes.get(locale_id)


class InReaderLanguage:
    """Mixin of the site's page models: an English page's address carries the active
    language's prefix (a Latvian reader's links stay in Latvian), and a page shown with a
    translation laid over it is never saved (its English texts would be overwritten)."""

    def get_url_parts(self, request=None):
        parts = super().get_url_parts(request)
        language = translation.get_language()
        if (
            parts is None
            or parts[2] is None
            or not language
            or language == settings.LANGUAGE_CODE
            or locale_code(self.locale_id) != settings.LANGUAGE_CODE
        ):
            return parts
        from lms.languages import address_in, supported

        return parts[0], parts[1], address_in(parts[2], supported(language))

    def save(self, *args, **kwargs):
        if translated_into(self):
            raise RuntimeError("A page shown with a translation laid over it cannot be saved.")
        return super().save(*args, **kwargs)

    def save_revision(self, *args, **kwargs):
        if translated_into(self):
            raise RuntimeError("A page shown with a translation laid over it cannot be saved.")
        return super().save_revision(*args, **kwargs)


def translation_publish(page: Page, language: str, texts: dict[str, str], user=None) -> Page:
    """Translate `page` into `language` through wagtail-localize, as an editor would with a PO
    file: each of the page's strings found in `texts` (English → translation) is translated,
    the rest stay English; the translation is published and returned. Parent pages not yet in
    that language are copied there first (wagtail-localize)."""
    from wagtail_localize.models import Translation, TranslationSource

    source, created = TranslationSource.get_or_create_from_instance(page)
    if not created:
        source.update_from_db()
    locale = Locale.objects.get(language_code=language)
    job, _ = Translation.objects.get_or_create(
        source=source, target_locale=locale, defaults={"enabled": True}
    )
    po = job.export_po()
    for entry in po:
        entry.msgstr = texts.get(entry.msgid, "")
    job.import_po(po, user=user, tool_name="BSR Academy")
    job.save_target(user=user, publish=True)
    return page.get_translation(locale).specific

"""Every URL the project defines, read from the URL configuration: the site's own patterns, the
views the project registers into the Wagtail admin (register_admin_urls and its viewsets), the
catalogue API and the account pages built on Django's auth views. Wagtail's own admin, API
internals, documents and page serving are Wagtail's and left out."""

import dataclasses

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail.admin.viewsets import viewsets

PROJECT_APPS = ("lms.", "programmes.", "cohorts.", "certificates.")


@dataclasses.dataclass(frozen=True)
class ProjectUrl:
    name: str  # "namespace:name", or the route when the pattern has no name
    route: str
    kwargs: tuple[str, ...]
    viewset_model: str = ""  # "app_label.model" of the admin viewset it belongs to

    @property
    def viewset(self) -> str:
        """The viewset's namespace with a star ("organisations:*"), for a row per viewset."""
        return self.name.split(":")[0] + ":*" if self.viewset_model else ""


def _module(pattern: URLPattern) -> str:
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return (view_class or callback).__module__


def _project_viewsets() -> dict[str, str]:
    """Namespace -> model label of the admin viewsets the project registers."""
    found = {}
    for viewset in viewsets.viewsets:
        if type(viewset).__module__.startswith(PROJECT_APPS) and getattr(viewset, "model", None):
            found[viewset.url_namespace] = viewset.model._meta.label_lower
    return found


def _walk(resolver, route="", namespaces=()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, route + str(entry.pattern), inner)
        else:
            yield entry, route + str(entry.pattern), namespaces


def project_urls() -> list[ProjectUrl]:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (loading the admin's URLs registers its viewsets)
    project_viewsets = _project_viewsets()
    found = {}
    for pattern, route, namespaces in _walk(resolver):
        module = _module(pattern)
        viewset_model = next((project_viewsets[n] for n in namespaces if n in project_viewsets), "")
        own = module.startswith(PROJECT_APPS)
        # The account pages are Django's auth views configured by the project; Wagtail's own
        # login for private pages (wagtailcore_login) is Wagtail's.
        account = module.startswith("django.contrib.auth") and not (
            route.startswith("admin/") or (pattern.name or "").startswith("wagtail")
        )
        if not (own or viewset_model or account):
            continue
        if pattern.name == "wagtail_serve":
            # Wagtail's page view, which the project only routes in the reader's language
            # (lms/languages/content.py): who may read a page is Wagtail's page privacy, as
            # before, tested with the pages.
            continue
        name = ":".join((*namespaces, pattern.name)) if pattern.name else route
        found.setdefault(
            name,
            ProjectUrl(
                name=name,
                route=route,
                kwargs=tuple(pattern.pattern.regex.groupindex),
                viewset_model=viewset_model,
            ),
        )
    return list(found.values())


def url_for(world, url: ProjectUrl) -> str:
    """The URL with the world's ids: per URL name first, then the shared ones."""
    if url.viewset_model:
        values = {"pk": world.objects[url.viewset_model].pk}
    else:
        values = {**world.kwargs, **world.objects.get("pk_of", {})}
        values.setdefault("pk", world.objects["cohort"].pk)
        values.update(world.by_name.get(url.name, {}))
    kwargs = {key: values[key] for key in url.kwargs}
    if url.name == url.route:  # unnamed (the embedded default's media files)
        return "/" + url.route.split("<")[0] + "".join(str(v) for v in kwargs.values())
    return reverse(url.name, kwargs=kwargs)

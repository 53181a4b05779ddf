"""Who people can write to: a programme's contact (fields of its page) or, where no programme
is concerned or none is set (error pages, rate limits), the site's own contact from the settings
(`CONTACT_NAME`, `CONTACT_EMAIL`)."""

from django.conf import settings


def site_contact() -> dict:
    return {
        "name": settings.CONTACT_NAME,
        "email": settings.CONTACT_EMAIL,
        "phone": "",
        "url": "",
    }


def contact_of(programme) -> dict:
    """A programme page's contact details, or the site's when the page has no address."""
    if programme is None or not getattr(programme, "contact_email", ""):
        return site_contact()
    return {
        "name": programme.contact or programme.title,
        "email": programme.contact_email,
        "phone": programme.contact_phone,
        "url": programme.contact_url,
    }


def contact_context(request) -> dict:
    """Context processor: `site_contact` on every page rendered with a request."""
    return {"site_contact": site_contact()}

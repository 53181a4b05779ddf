"""What certificates adds to My learning, through the hook that programmes defines (programmes
never imports certificates). Imported from CertificatesConfig.ready()."""

from django.template.loader import render_to_string
from wagtail import hooks

from certificates.selectors import my_certificates
from programmes.pages.selectors import MY_LEARNING_PANELS_HOOK


@hooks.register(MY_LEARNING_PANELS_HOOK)
def my_certificates_panel(request) -> str:
    """My certificates (those being prepared too, and revoked ones with their state); nothing
    at all for someone who has none yet."""
    rows = my_certificates(user=request.user)
    if not rows:
        return ""
    return render_to_string("certificates/panel_my_learning.html", {"rows": rows}, request=request)

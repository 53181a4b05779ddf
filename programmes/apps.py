from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = _("Programmes and learning")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Event handlers: from the catalogue (programmes/event_types.py declares the events).
        # Panels and hooks: registered when their module is imported.
        import programmes.surveys.panels  # noqa: F401 (lessons learned on programme pages)
        from lms.demo import demo_register
        from programmes import privacy

        # Personal data: export, erasure.
        privacy.register_all()
        # Demo content, imported only by `manage.py load_demo`.
        demo_register("programmes", "programmes.demo.demo_load")

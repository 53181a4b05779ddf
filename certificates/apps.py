from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Event handlers: from the catalogue (certificates/event_types.py).
        # Panels and hooks: registered when their module is imported.
        import certificates.panels  # noqa: F401 (the My learning panel)
        from certificates import privacy
        from lms import jobs
        from lms.demo import demo_register

        # Personal data: export, erasure (withdrawn).
        privacy.register_all()
        # Periodic jobs.
        # Every minute: lost work resumes within about a minute (see services/sweep.py).
        jobs.register_periodic(
            name="certificates.sweep", func="certificates.tasks.certificates_sweep_task", minutes=1
        )
        # Demo content, imported only by `manage.py load_demo`; after "cohorts" in
        # INSTALLED_APPS, so the demo cohorts and completions exist by then.
        demo_register("certificates", "certificates.demo.demo_load")

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import certificates.panels  # noqa: F401 (registers the My learning panel)
        from certificates import handlers
        from certificates.demo import demo_load
        from lms import jobs
        from lms.demo import register_demo

        handlers.register_all()
        from certificates import privacy

        privacy.register_all()  # personal data: export, erasure (withdrawn)
        jobs.register_periodic(
            name="certificates.sweep", func="certificates.tasks.certificates_sweep_task", minutes=10
        )
        # After "cohorts" in INSTALLED_APPS: the demo cohorts and completions exist by then.
        register_demo("certificates", demo_load)

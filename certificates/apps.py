from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certificates import handlers
        from certificates.demo import demo_load
        from lms.demo import register_demo

        handlers.register_all()
        # After "cohorts" in INSTALLED_APPS: the demo cohorts and completions exist by then.
        register_demo("certificates", demo_load)

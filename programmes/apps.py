from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "programmes"
    verbose_name = "Programmes and learning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms.demo import register_demo
        from programmes.demo import demo_load

        register_demo("programmes", demo_load)
        import programmes.surveys.panels  # noqa: F401 (lessons learned on programme pages)
        from programmes import privacy

        privacy.register_all()  # personal data: export, erasure

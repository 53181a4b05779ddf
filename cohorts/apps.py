from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = "Cohorts and places"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import cohorts.hooks_participant  # noqa: F401 (registers the participant panels)
        from cohorts import handlers
        from cohorts.demo import demo_load
        from lms import jobs
        from lms.demo import register_demo

        handlers.register_all()
        jobs.register_periodic(
            name="cohorts.offers_expire", func="cohorts.tasks.offers_expire_task", minutes=5
        )
        # Loaders run in INSTALLED_APPS order: "programmes" comes before "cohorts", so the
        # programme pages, modules and activities that the cohorts use exist by then.
        register_demo("cohorts", demo_load)

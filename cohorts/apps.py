from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = "Cohorts and places"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cohorts import handlers
        from lms import jobs

        handlers.register_all()
        jobs.register_periodic(
            name="cohorts.offers_expire", func="cohorts.tasks.offers_expire_task", minutes=5
        )

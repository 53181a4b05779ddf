from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "BSR Academy kernel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lms import events, handlers, jobs

        events.register("lms.user.registered", handlers.welcome_email_send)
        jobs.register_periodic(name="lms.event_sweep", func="lms.tasks.event_sweep_task", minutes=1)
        jobs.register_periodic(name="lms.email_sweep", func="lms.tasks.email_sweep_task", minutes=1)
        # Schedules are (re)created after every migrate, so each deployment has them once.
        post_migrate.connect(jobs.schedules_ensure, sender=self)

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "BSR Academy kernel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import register_converter

        from lms.converters import DatabaseIdConverter

        register_converter(DatabaseIdConverter, "dbid")
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Page, PageViewRestriction, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from lms import events, jobs
        from lms.accounts import handlers
        from lms.pages import cache as page_cache

        events.register(
            "lms.user.registered",
            handlers.welcome_email_send,
            name="lms.handlers.welcome_email_send",
        )
        from lms.privacy import providers as privacy_providers

        privacy_providers.register_all()  # personal data: export, erasure
        from lms.consent import account as consent_account

        consent_account.register()  # a young person's own account waits for a guardian
        from django.contrib.auth.signals import user_logged_in

        from lms.signin import middleware as signin
        from lms.signin import roles

        roles.register()  # administrators and admin users need a second factor
        from lms.signin import privacy as signin_privacy

        signin_privacy.register()  # login records and devices: export, erasure
        user_logged_in.connect(signin.on_login, dispatch_uid="lms.signin.on_login")
        jobs.register_periodic(name="lms.event_sweep", func="lms.tasks.event_sweep_task", minutes=1)
        jobs.register_periodic(name="lms.email_sweep", func="lms.tasks.email_sweep_task", minutes=1)
        jobs.register_periodic(
            name="lms.emails_redact", func="lms.tasks.emails_redact_task", minutes=10
        )
        jobs.register_periodic(
            name="lms.signups_unconfirmed_purge",
            func="lms.tasks.signups_unconfirmed_purge_task",
            minutes=60,
        )
        jobs.register_periodic(
            name="lms.consent_reminders_send",
            func="lms.tasks.consent_reminders_send_task",
            minutes=60,
        )
        # Schedules are (re)created after every migrate, so each deployment has them once.
        post_migrate.connect(jobs.schedules_ensure, sender=self)
        # Any change to what the page tree shows anonymous visitors purges the page cache.
        purge = page_cache.purge_receiver
        page_published.connect(purge, dispatch_uid="lms.page_cache.published")
        page_unpublished.connect(purge, dispatch_uid="lms.page_cache.unpublished")
        post_page_move.connect(purge, dispatch_uid="lms.page_cache.moved")
        post_delete.connect(purge, sender=Page, dispatch_uid="lms.page_cache.deleted")
        for model in (PageViewRestriction, Site):
            post_save.connect(purge, sender=model, dispatch_uid=f"lms.pages.cache.{model.__name__}")
            post_delete.connect(
                purge, sender=model, dispatch_uid=f"lms.pages.cache.{model.__name__}.deleted"
            )

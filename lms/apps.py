from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "BSR Academy kernel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save
        from django.urls import register_converter
        from wagtail.models import Page, PageViewRestriction, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from lms import events, jobs
        from lms.accounts import consent as account_consent
        from lms.accounts import privacy as account_privacy
        from lms.converters import DatabaseIdConverter
        from lms.languages.middleware import on_login as languages_login
        from lms.operations import queued
        from lms.pages import cache as page_cache
        from lms.privacy.services import personal_data_register
        from lms.signin import middleware as signin
        from lms.signin import privacy as signin_privacy
        from lms.signin import roles

        register_converter(DatabaseIdConverter, "dbid")
        # Request ids travel with the jobs a request queues (lms.operations.queued).
        queued.register()
        # Event handlers of every app: from the catalogue (each app's event_types module),
        # under the stable names their deliveries are recorded with.
        events.handlers_register()
        # Personal data: export, erasure (accounts, then login records and devices).
        account_privacy.register()
        # Sign-in sits below privacy (whose pages confirm who one is with sign-in's devices), so
        # its part is handed to the registry here instead of by sign-in itself.
        personal_data_register(
            "signin",
            label=signin_privacy.LABEL,
            export=signin_privacy.data_export,
            erase=signin_privacy.data_erase,
        )
        # Consent subjects: a young person's own account waits for a guardian.
        account_consent.register()
        # Second-factor roles: administrators and admin users.
        roles.register()
        # Periodic jobs; their schedules are (re)created after every migrate, so each
        # deployment has them once.
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
            name="lms.data_exports_sweep", func="lms.tasks.data_exports_sweep_task", minutes=5
        )
        jobs.register_periodic(
            name="lms.data_exports_expire", func="lms.tasks.data_exports_expire_task", minutes=60
        )
        jobs.register_periodic(
            name="lms.closed_accounts_erase",
            func="lms.tasks.closed_accounts_erase_task",
            minutes=15,
        )
        jobs.register_periodic(
            name="lms.consent_reminders_send",
            func="lms.tasks.consent_reminders_send_task",
            minutes=60,
        )
        post_migrate.connect(jobs.schedules_ensure, sender=self)
        # Signals: the second factor at login, and any change to what the page tree shows
        # anonymous visitors purges the page cache.
        user_logged_in.connect(signin.on_login, dispatch_uid="lms.signin.on_login")
        # A person who logs in reads in their profile's language from then on.
        user_logged_in.connect(languages_login, dispatch_uid="lms.languages.on_login")
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

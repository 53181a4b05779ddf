from importlib import import_module

from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = "Cohorts and places"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Event handlers: from the catalogue (cohorts/event_types.py).
        # Panels and hooks: registered when their module is imported, in this order (the order
        # the panels show in): the participant's places, passes and check-in desks, the peer
        # group, surveys waiting, the group leader's panel.
        for module in ("places", "attendance", "matching", "surveys", "groups"):
            import_module(f"cohorts.{module}.panels")
        from django.utils.translation import gettext_lazy as _

        from cohorts import privacy
        from cohorts.attendance.selectors import is_check_in_staff
        from cohorts.groups import consent
        from cohorts.places import selectors
        from lms import jobs
        from lms.demo import demo_register
        from lms.signin.roles import second_factor_role_register

        # Personal data: export, erasure, care-notes retention.
        privacy.register_all()
        # Consent subjects: a group's booking for a young member waits for the guardian.
        consent.register()
        # Second-factor roles: who gets places and sees care notes logs in with a second factor.
        second_factor_role_register(
            "programme_admin", label=_("programme admin"), holds=selectors.cohort_is_admin
        )
        second_factor_role_register(
            "presidency_staff",
            label=_("presidency (cohort) staff"),
            holds=selectors.is_cohort_staff,
        )
        second_factor_role_register(
            "focal_point", label=_("national focal point"), holds=selectors.is_focal_point
        )
        second_factor_role_register(
            "check_in_staff", label=_("check-in staff"), holds=is_check_in_staff
        )
        # Periodic jobs.
        jobs.register_periodic(
            name="cohorts.offers_expire", func="cohorts.tasks.offers_expire_task", minutes=5
        )
        jobs.register_periodic(
            name="cohorts.pending_consents_release",
            func="cohorts.tasks.pending_consents_release_task",
            minutes=15,
        )
        jobs.register_periodic(
            name="cohorts.survey_invitations_send",
            func="cohorts.tasks.survey_invitations_send_task",
            minutes=5,
        )
        jobs.register_periodic(
            name="cohorts.survey_reminders_send",
            func="cohorts.tasks.survey_reminders_send_task",
            minutes=30,
        )
        # Every minute: a matching run whose job was lost starts within about a minute.
        jobs.register_periodic(
            name="cohorts.matching_runs_sweep",
            func="cohorts.tasks.matching_runs_sweep_task",
            minutes=1,
        )
        jobs.register_periodic(
            name="cohorts.care_notes_purge",
            func="cohorts.tasks.care_notes_purge_task",
            minutes=24 * 60,
        )
        jobs.register_periodic(
            name="cohorts.survey_drafts_purge",
            func="cohorts.tasks.survey_drafts_purge_task",
            minutes=24 * 60,
        )
        # Demo content, imported only by `manage.py load_demo`. Loaders run in INSTALLED_APPS
        # order ("programmes" first, whose pages the cohorts use), and here the cohorts' own
        # before the peer groups, attendance and surveys that use its cohorts and places.
        demo_register("cohorts", "cohorts.demo.demo_load")
        demo_register("peergroups", "cohorts.demo.matching.demo_load")
        demo_register("attendance", "cohorts.demo.attendance.demo_load")
        demo_register("surveys", "cohorts.demo.surveys.demo_load")
        demo_register("groups", "cohorts.demo.groups.demo_load")

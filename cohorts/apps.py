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
        from cohorts import privacy

        privacy.register_all()  # personal data: export, erasure, care-notes retention
        from cohorts import consent  # the "enrolment" subject of guardian consent

        consent.register()
        from cohorts import selectors
        from lms.signin.roles import second_factor_role_register

        # Roles that decide who gets places and sees care notes log in with a second factor.
        second_factor_role_register(
            "programme_admin", label="programme admin", holds=selectors.cohort_is_admin
        )
        second_factor_role_register(
            "presidency_staff", label="presidency (cohort) staff", holds=selectors.is_cohort_staff
        )
        second_factor_role_register(
            "focal_point", label="national focal point", holds=selectors.is_focal_point
        )
        second_factor_role_register(
            "check_in_staff", label="check-in staff", holds=selectors.is_check_in_staff
        )
        jobs.register_periodic(
            name="cohorts.offers_expire", func="cohorts.tasks.offers_expire_task", minutes=5
        )
        jobs.register_periodic(
            name="cohorts.pending_consents_release",
            func="cohorts.tasks.pending_consents_release_task",
            minutes=15,
        )
        # Loaders run in INSTALLED_APPS order: "programmes" comes before "cohorts", so the
        # programme pages, modules and activities that the cohorts use exist by then.
        register_demo("cohorts", demo_load)

        # Peer groups, attendance and surveys: their panels, handlers, jobs and demo loaders
        # (the demo loaders after the cohorts' own, whose cohorts and places they use).
        import cohorts.hooks_attendance  # noqa: F401 (passes and check-in desks on My learning)
        import cohorts.hooks_peergroups  # noqa: F401 (the peer-group panel)
        import cohorts.hooks_surveys  # noqa: F401 (surveys waiting on My learning)
        from cohorts import (
            demo_attendance,
            demo_peergroups,
            demo_surveys,
            handlers_attendance,
            handlers_peergroups,
            handlers_surveys,
        )

        handlers_peergroups.register_all()
        handlers_attendance.register_all()
        handlers_surveys.register_all()
        jobs.register_periodic(
            name="cohorts.survey_invitations_send",
            func="cohorts.tasks_surveys.survey_invitations_send_task",
            minutes=5,
        )
        jobs.register_periodic(
            name="cohorts.survey_reminders_send",
            func="cohorts.tasks_surveys.survey_reminders_send_task",
            minutes=30,
        )
        register_demo("peergroups", demo_peergroups.demo_load)
        register_demo("attendance", demo_attendance.demo_load)
        register_demo("surveys", demo_surveys.demo_load)

        # Youth and volunteer groups: the leader's My learning panel and the demo groups.
        import cohorts.hooks_groups  # noqa: F401
        from cohorts import demo_groups

        register_demo("groups", demo_groups.demo_load)

from django.apps import AppConfig


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = "Cohorts and places"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import cohorts.places.panels  # noqa: F401 (registers the participant panels)
        from cohorts.demo import demo_load
        from cohorts.places import handlers
        from lms import jobs
        from lms.demo import register_demo

        handlers.register_all()
        from cohorts import privacy

        privacy.register_all()  # personal data: export, erasure, care-notes retention
        from cohorts.groups import consent

        consent.register()
        from cohorts.attendance.selectors import is_check_in_staff
        from cohorts.places import selectors
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
            "check_in_staff", label="check-in staff", holds=is_check_in_staff
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
        import cohorts.attendance.panels  # noqa: F401 (passes and check-in desks on My learning)
        import cohorts.matching.panels  # noqa: F401 (the peer-group panel)
        import cohorts.surveys.panels  # noqa: F401 (surveys waiting on My learning)
        from cohorts.attendance import handlers as handlers_attendance
        from cohorts.demo import attendance as demo_attendance
        from cohorts.demo import matching as demo_peergroups
        from cohorts.demo import surveys as demo_surveys
        from cohorts.matching import handlers as handlers_peergroups
        from cohorts.surveys import handlers as handlers_surveys

        handlers_peergroups.register_all()
        handlers_attendance.register_all()
        handlers_surveys.register_all()
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
        register_demo("peergroups", demo_peergroups.demo_load)
        register_demo("attendance", demo_attendance.demo_load)
        register_demo("surveys", demo_surveys.demo_load)

        # Youth and volunteer groups: the leader's My learning panel and the demo groups.
        import cohorts.groups.panels  # noqa: F401
        from cohorts.demo import groups as demo_groups

        register_demo("groups", demo_groups.demo_load)

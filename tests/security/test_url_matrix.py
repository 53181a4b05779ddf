"""The role x URL matrix: every URL the project defines (tests.security.urlconf reads them from the
URL configuration), requested by everyone who must not see the world's owner's data and by the
two kinds of administrator, with the status each should get. A URL without a row fails the test.

Columns, in this order (tests.security.world.ROLES):
  anonymous · participant (an ordinary other participant) · other cohort's staff · other
  country's focal point · other group's leader · other activity's door staff · programme admin ·
  administrator
Cells: a status code, or
  login    302 to the site's login page (anonymous visitors; the admin sends them there too)
  403      under /admin/, for someone logged in without admin access: a page saying so and
           where to go instead
  dash     302 to the admin's dashboard: Wagtail's "you do not have permission"
  profile  302 to the profile (pages for visitors who are not logged in)
  302      any other redirect
"""

from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from tests.security.urlconf import ProjectUrl, project_urls, url_for
from tests.security.world import ROLES

PUBLIC = "200 200 200 200 200 200 200 200"
LOGGED_IN = "login 200 200 200 200 200 200 200"  # everyone's own page (their list, their data)
OWNER_ONLY = "login 404 404 404 404 404 404 404"  # somebody else's: not found, learn nothing
POST_ONLY = "405 405 405 405 405 405 405 405"  # GET refused before anything is looked up
POST_ONLY_LOGIN = "login 405 405 405 405 405 405 405"
SUPERUSER_ONLY = "login 403 dash 403 403 dash dash 200"  # system pages (events, outbox)
ADMIN_SETUP = "login 403 dash 403 403 dash 200 200"  # programme admins' set-up
COHORT_DESK = "login 403 404 403 403 404 200 200"  # the owner's cohort, by id
COHORT_DESK_POST = "login 403 404 403 403 404 405 405"
ACTIVITY_DESK = "login 404 404 404 404 404 200 200"  # the owner's activity's door and record
TOKEN_LINK = PUBLIC  # the token is the authority; each page shows only what its link is for

EXPECTED = {
    "security_txt": PUBLIC,
    # The language switcher's form: POST only, for everyone.
    "language_switch": POST_ONLY,
    # --- operability: the load balancer's checks, and metrics for the allowed networks (the
    # test client's loopback address is one; others get 404: tests/lms/operations) ---------
    "health_live": PUBLIC,
    "health_ready": PUBLIC,
    "metrics": PUBLIC,
    # --- accounts (site) -------------------------------------------------------------------
    "signup": "200 profile profile profile profile profile profile profile",
    "login": "200 profile profile profile profile profile profile profile",
    "logout": POST_ONLY,
    "profile": LOGGED_IN,
    "guardian_resend": POST_ONLY,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    # Django moves the token into the session and redirects to the set-password form.
    "password_reset_confirm": "302 302 302 302 302 302 302 302",
    "password_reset_complete": PUBLIC,
    # Someone whose login is complete has nothing to verify: back to their profile.
    "two_factor_verify": "login profile profile profile profile profile profile profile",
    "two_factor_setup": LOGGED_IN,
    "two_factor_recovery_codes": LOGGED_IN,
    "two_factor_device_remove": POST_ONLY_LOGIN,
    # The admin's login is the site's (one lockout, one second factor).
    "admin/login/": "login 403 login 403 403 login login login",
    # Passkey ceremonies: JSON endpoints that answer POST only (and nobody logged out).
    "otp_webauthn:credential-registration-begin": "403 405 405 405 405 405 405 405",
    "otp_webauthn:credential-registration-complete": "403 405 405 405 405 405 405 405",
    "otp_webauthn:credential-authentication-begin": "403 405 405 405 405 405 405 405",
    "otp_webauthn:credential-authentication-complete": "403 405 405 405 405 405 405 405",
    # A used or wrong link: a page saying so, answered 404.
    "signup_confirm": "404 404 404 404 404 404 404 404",
    "my_data": LOGGED_IN,
    "my_data_export": POST_ONLY_LOGIN,
    "my_data_status": OWNER_ONLY,
    "my_data_download": OWNER_ONLY,
    "account_erase": LOGGED_IN,
    "account_erased": PUBLIC,
    # --- public catalogue, search, calendars, certificates' verification ---------------------
    "wagtailapi:pages:listing": PUBLIC,
    "wagtailapi:pages:detail": PUBLIC,
    "wagtailapi:pages:find": "404 404 404 404 404 404 404 404",  # without ?html_path=
    "search": PUBLIC,
    "activity_list": PUBLIC,
    "activity_ics": PUBLIC,
    "my_learning": LOGGED_IN,
    "calendar_feed_reset": POST_ONLY,
    "calendar_feed": TOKEN_LINK,
    "certificates:verify": PUBLIC,
    "certificates:verify_code": PUBLIC,
    "certificates:mine": LOGGED_IN,
    # The holder, and programme admins (who see every certificate); nobody else.
    "certificates:download": "login 404 404 404 404 404 200 200",
    "media/<path:path>": "404 404 404 404 404 404 404 404",  # the embedded default's uploads
    # --- places, offers, nominations -----------------------------------------------------
    "cohorts:cohort": PUBLIC,
    "cohorts:apply": LOGGED_IN,
    "cohorts:place": OWNER_ONLY,
    "cohorts:withdraw": OWNER_ONLY,
    "cohorts:place_offer": POST_ONLY,
    "cohorts:place_confirm": POST_ONLY,
    "cohorts:activity_register": POST_ONLY,
    "cohorts:offer": TOKEN_LINK,
    # Logged in as someone else, the page says the link is for another account.
    "cohorts:nomination": TOKEN_LINK,
    "cohorts:nominate": "login 403 403 200 403 403 403 403",  # a focal point's own countries
    "cohorts:substitute": "login 403 403 404 403 403 403 403",  # another country's nominee
    "cohorts:nomination_resend": POST_ONLY,
    # --- passes and the check-in desk ------------------------------------------------------
    "cohorts:pass": OWNER_ONLY,
    "cohorts:pass_pdf": OWNER_ONLY,
    # Anyone learns only what the code is for; the activity's desk staff land on the desk.
    "cohorts:pass_scan": "200 200 200 200 200 200 302 302",
    "cohorts:check_in_desk": ACTIVITY_DESK,
    "cohorts:check_in_counts": ACTIVITY_DESK,
    "cohorts:check_in_pass": ACTIVITY_DESK,
    "cohorts:check_in": POST_ONLY_LOGIN,
    "cohorts:attendance": ACTIVITY_DESK,
    "cohorts:attendance_sessions": ACTIVITY_DESK,
    "cohorts:attendance_export": ACTIVITY_DESK,
    "cohorts:attendance_sheet": ACTIVITY_DESK,
    # --- surveys ---------------------------------------------------------------------------
    # The link alone opens the survey; logged in as someone else, it is refused.
    "cohorts:survey_answer": "200 403 403 403 403 403 403 403",
    "cohorts:survey_thanks": "302 302 302 302 302 302 302 302",  # not answered yet
    # --- youth groups ----------------------------------------------------------------------
    "groups:mine": LOGGED_IN,
    "groups:new": LOGGED_IN,
    "groups:group": OWNER_ONLY,
    "groups:edit": OWNER_ONLY,
    "groups:delete": OWNER_ONLY,
    "groups:leader_add": POST_ONLY,
    "groups:leader_remove": POST_ONLY,
    "groups:leader_invitation": "404 404 404 404 404 404 404 404",  # an unknown link
    "groups:leader_invitation_cancel": POST_ONLY,
    "groups:members_import": OWNER_ONLY,
    "groups:member_new": OWNER_ONLY,
    "groups:member_edit": OWNER_ONLY,
    "groups:member_remove": OWNER_ONLY,
    "groups:book": OWNER_ONLY,
    "groups:booking_cancel": OWNER_ONLY,
    "groups:consent_resend": POST_ONLY,
    "groups:passes": OWNER_ONLY,
    # The activity's organisers (programme admins, its cohort's staff) and its leaders' own.
    "groups:care_notes": ACTIVITY_DESK,
    # --- guardian consent ------------------------------------------------------------------
    "consent:blank": "400 400 400 400 400 400 400 400",  # a link cut short: says so
    "consent:done": "400 400 400 400 400 400 400 400",
    "consent:damaged": "400 400 400 400 400 400 400 400",
    "consent:page": TOKEN_LINK,
    # --- the admin: system pages -----------------------------------------------------------
    "lms_events": SUPERUSER_ONLY,
    "lms_emails": SUPERUSER_ONLY,
    "lms_email_detail": SUPERUSER_ONLY,
    "lms_email_resend": "login 403 dash 403 403 dash dash 405",
    # The development inbox (404 in production); the world keeps no message, so an
    # administrator asking for one by name gets 404.
    "lms_dev_inbox": SUPERUSER_ONLY,
    "lms_dev_inbox_message": "login 403 dash 403 403 dash dash 404",
    "lms_dev_inbox_download": "login 403 dash 403 403 dash dash 404",
    "lms_dev_inbox_attachment": "login 403 dash 403 403 dash dash 404",
    # --- the admin: the cohort desk of the owner's cohort ----------------------------------
    "cohorts_desk_index": "login 403 200 403 403 dash 200 200",  # lists one's own
    "cohorts_desk": COHORT_DESK,
    "cohorts_desk_decide": COHORT_DESK_POST,
    "cohorts_desk_review": COHORT_DESK_POST,
    "cohorts_desk_reasons": COHORT_DESK,
    "cohorts_desk_reason_edit": COHORT_DESK,
    "cohorts_desk_promote": COHORT_DESK_POST,
    "cohorts_desk_export_csv": COHORT_DESK,
    "cohorts_desk_export_xlsx": COHORT_DESK,
    "cohorts_desk_import": COHORT_DESK,
    "cohorts_matching": COHORT_DESK,
    "cohorts_matching_start": COHORT_DESK,
    "cohorts_matching_run": COHORT_DESK,
    "cohorts_matching_status": COHORT_DESK,
    "cohorts_matching_move": COHORT_DESK_POST,
    "cohorts_matching_rematch": COHORT_DESK_POST,
    "cohorts_matching_requeue": COHORT_DESK_POST,
    "cohorts_matching_publish": COHORT_DESK,
    "cohorts_survey_index": "login 403 dash 403 403 dash 200 200",  # none of theirs
    "cohorts_survey_results": COHORT_DESK,
    "cohorts_survey_export_csv": COHORT_DESK,
    "cohorts_survey_export_xlsx": COHORT_DESK,
    "cohorts_survey_print": COHORT_DESK,
    "cohorts_survey_lessons": COHORT_DESK,
    "cohorts_survey_send": "login 403 405 403 403 405 405 405",
    "certificates_certificate": COHORT_DESK,
    "certificates_certificate_revoke": COHORT_DESK,
    "certificates_certificate_reissue": COHORT_DESK,
    "certificates_certificate_retry": COHORT_DESK_POST,
    "certificates_cohort": COHORT_DESK,
    # GET is the confirmation page; without a person chosen it goes back to the cohort's list.
    "certificates_cohort_issue": "login 403 404 403 403 404 302 302",
    "certificates_cohort_bulk": COHORT_DESK_POST,
    "certificates_bulk": COHORT_DESK,
    "certificates_bulk_status": COHORT_DESK,
    "certificates_template_sample": ADMIN_SETUP,
    # Door staff get the admin's list of the desks they run (their own activity only).
    "cohorts_check_in_index": "login 403 dash 403 403 200 200 200",
    # --- the admin: set-up viewsets (one row per viewset; a URL's own row wins) ------------
    "wagtailsnippets_certificates_certificatetemplate:*": ADMIN_SETUP,
    "certificates_issued:*": SUPERUSER_ONLY,  # programme admins: through the cohort pages
    "consent_ages:*": ADMIN_SETUP,
    "consent_ages:delete": SUPERUSER_ONLY,
    "privacy_notices:*": ADMIN_SETUP,
    # A published notice is never edited or deleted: the editor goes back to the list.
    "privacy_notices:edit": "login 403 dash 403 403 dash 302 302",
    "privacy_notices:delete": "login 403 dash 403 403 dash dash 302",
    "organisations:*": ADMIN_SETUP,
    "reason_templates:*": ADMIN_SETUP,
    "organisations:delete": SUPERUSER_ONLY,
    "cohorts_attendance_setup:*": ADMIN_SETUP,
    "cohorts_attendance_setup:delete": SUPERUSER_ONLY,
    "survey_targets:*": ADMIN_SETUP,
    "cohort_setup:*": ADMIN_SETUP,
    "focal_points:*": ADMIN_SETUP,
}

HOW_TO_ADD = (
    "Add one line per URL name to EXPECTED in tests/security/test_url_matrix.py: the status "
    'for each of {roles}, e.g. "{name}": OWNER_ONLY, (or a string such as '
    '"login 404 404 404 404 404 200 200"); for URLs that carry ids or tokens, add their '
    "values to tests/security/world.py (World.by_name)."
)


def expected_for(url: ProjectUrl) -> list[str] | None:
    row = EXPECTED.get(url.name) or EXPECTED.get(url.viewset)
    return row.split() if row else None


def outcome(response) -> str:
    if response.status_code != 302:
        return str(response.status_code)
    location = response["Location"].split("?")[0]
    for word, target in (
        ("login", resolve_url(settings.LOGIN_URL)),
        ("dash", reverse("wagtailadmin_home")),
        ("profile", reverse("profile")),
    ):
        if location == target:
            return word
    return "302"


def test_every_url_has_a_row():
    urls = project_urls()
    missing = [u for u in urls if expected_for(u) is None]
    assert not missing, "\n".join(
        [f"URL without a row in the role x URL matrix: {u.name!r} (/{u.route})" for u in missing]
        + [HOW_TO_ADD.format(roles=", ".join(ROLES), name=missing[0].name)]
    )
    known = {u.name for u in urls} | {u.viewset for u in urls}
    stale = sorted(set(EXPECTED) - known)
    assert not stale, f"Rows for URLs the project no longer defines; remove them: {stale}"
    for name, row in EXPECTED.items():
        assert len(row.split()) == len(ROLES), f"{name!r}: one cell per role: {ROLES}"


# Wagtail's generic views of a viewset share one permission policy: the list, the add, edit and
# delete pages stand for the rest (history, usage, copy, previews) to keep the run short.
VIEWSET_SAMPLES = ("index", "list", "add", "edit", "delete")


def test_role_url_matrix(world):
    urls = [
        u for u in project_urls() if not u.viewset_model or u.name.split(":")[-1] in VIEWSET_SAMPLES
    ]
    wrong = []
    for column, role in enumerate(ROLES):
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        for url in urls:
            expected = expected_for(url)
            if expected is None:
                continue  # reported by test_every_url_has_a_row
            address = url_for(world, url)
            got = outcome(client.get(address))
            if got != expected[column]:
                wrong.append(f"{role:20} GET {address:60} {got:>7} (expected {expected[column]})")
    assert not wrong, "\n" + "\n".join(wrong)

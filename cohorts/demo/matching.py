"""Demo peer groups: the Finnish presidency matches BEP 2026's accepted participants twice (a
fast run and an exact one, to compare) and publishes the second, through the real services."""

from django.conf import settings

from cohorts.demo import BEP_COHORT, STAFF_DOMAIN
from cohorts.matching import selectors as matching_selectors
from cohorts.matching import services as peergroups
from cohorts.matching.models import PeerGroup
from cohorts.places.models import Cohort
from lms.models import User

# Two runs that differ in their search, so the desk has something to compare.
RUNS = (
    {"mode": "fast", "seed": 7, "time_limit": 1},
    {"mode": "auto", "seed": 2026, "time_limit": 3},
)
GROUP_SIZE = 4
MIN_COUNTRIES = 3


def demo_load() -> list[str]:
    if settings.PRODUCTION:
        return ["skipped: the demo cohort is not loaded in production"]
    cohort = Cohort.objects.filter(slug=BEP_COHORT["slug"]).first()
    staff = User.objects.filter(email=f"presidency.fi@{STAFF_DOMAIN}").first()
    if cohort is None or staff is None:
        return ["no BEP 2026 demo cohort: the cohorts demo runs first"]
    if PeerGroup.objects.filter(cohort=cohort).exists():
        return ["peer groups already published"]
    if len(matching_selectors.pool_of(cohort)) < 2:
        return [f"{cohort.title} has too few accepted participants to match"]
    runs = []
    for options in RUNS:
        run = peergroups.matching_run_request(
            cohort=cohort,
            actor=staff,
            group_size=GROUP_SIZE,
            min_countries=MIN_COUNTRIES,
            **options,
        )
        # Run here rather than wait for the job cluster: the demo is complete when it returns
        # (the queued job then finds the run finished and does nothing).
        runs.append(peergroups.matching_run_execute(run_id=run.pk) or run)
    best = runs[-1]
    if best.state != "done":
        return [f"matching run {best.number} of {cohort.title} failed: {best.error}"]
    peergroups.matching_run_publish(run=best, actor=staff, accept_violations=True)
    return [
        f"matched {best.participants} participants of {cohort.title} in {len(runs)} runs; "
        f"published the {len(best.groups)} peer groups of run {best.number}"
    ]

"""A cohort's own staff group."""

from django.contrib.auth.models import Group, Permission

from cohorts.places.models import (
    Cohort,
)


def cohort_staff_group_ensure(*, cohort: Cohort) -> Group:
    """The cohort's own staff group, with access to the Wagtail admin (where the cohort desk
    lives) and nothing else: what they may do is decided per cohort, by membership."""
    if cohort.staff_group_id:
        return cohort.staff_group
    # The slug is unique, so two editions with the same title never share one group.
    name = f"Cohort staff: {cohort.title[:50]} ({cohort.slug})"
    group, _ = Group.objects.get_or_create(name=name)
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access:
        group.permissions.add(access)
    Cohort.objects.filter(pk=cohort.pk).update(staff_group=group)
    cohort.staff_group = group
    return group

"""Who must use a second factor. The kernel knows administrators and everyone with access to
the Wagtail admin (programme admins, editors, cohort and check-in staff); higher apps add the
roles they define (presidency staff, focal points, door staff) in their AppConfig.ready()."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class SecondFactorRole:
    name: str
    label: str
    holds: Callable[[object], bool]


_roles: dict[str, SecondFactorRole] = {}


def second_factor_role_register(name: str, *, label: str, holds: Callable[[object], bool]) -> None:
    _roles[name] = SecondFactorRole(name=name, label=label, holds=holds)


def second_factor_roles_of(user) -> list[str]:
    """The labels of the roles `user` holds that need a second factor, in registration order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [str(role.label) for role in _roles.values() if role.holds(user)]


def second_factor_required(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return any(role.holds(user) for role in _roles.values())


def _administrator(user) -> bool:
    return bool(user.is_superuser or user.is_staff)


def _admin_access(user) -> bool:
    return user.has_perm("wagtailadmin.access_admin")


def register() -> None:
    second_factor_role_register("administrator", label=_("administrator"), holds=_administrator)
    second_factor_role_register(
        "admin_access",
        label=_(
            "staff with access to the admin (programme admins, editors, cohort and check-in staff)"
        ),
        holds=_admin_access,
    )

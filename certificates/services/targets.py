"""What a certificate is for (one cohort, activity or module) and which certificate template
applies to it."""

from dataclasses import dataclass

from django.utils.translation import gettext

from certificates.errors import CertificatesError
from certificates.models import CertificateKind, CertificateTemplate
from cohorts.models import Cohort
from programmes.models import ActivityPage, ModulePage, ProgrammePage

KIND_OF_TARGET = {
    "cohort": CertificateKind.PROGRAMME,
    "activity": CertificateKind.ACTIVITY,
    "module": CertificateKind.MODULE,
}


@dataclass(frozen=True)
class Target:
    """What one certificate is for: a cohort, an activity or a module."""

    field: str  # "cohort", "activity" or "module"
    obj: Cohort | ActivityPage | ModulePage

    @property
    def kind(self) -> str:
        return KIND_OF_TARGET[self.field]

    @property
    def filter(self) -> dict:
        return {self.field: self.obj}

    @property
    def title(self) -> str:
        return self.obj.title


def target_of(cohort=None, activity=None, module=None) -> Target:
    """The one target given, or CertificatesError when none or several are."""
    given = [
        Target(field, obj)
        for field, obj in (("cohort", cohort), ("activity", activity), ("module", module))
        if obj is not None
    ]
    if len(given) != 1:
        raise CertificatesError(
            "no_target", gettext("A certificate is for exactly one cohort, activity or module.")
        )
    return given[0]


def programme_of(target: Target) -> ProgrammePage | None:
    """The programme the target belongs to, if any."""
    if target.field == "cohort":
        return target.obj.programme
    return ProgrammePage.objects.ancestor_of(target.obj).first()


def certificate_template_for(
    *,
    kind: str,
    cohort: Cohort | None = None,
    activity: ActivityPage | None = None,
    module: ModulePage | None = None,
    automatic: bool = False,
) -> CertificateTemplate | None:
    """The active template of `kind` for the target, most specific first: one chosen for that
    cohort, activity or module; then one for its programme that is not limited to particular
    cohorts, activities or modules; then one for every programme. The most specific one that
    applies decides: with `automatic`, it is returned only when it issues automatically (a
    template set to "staff issue by hand" is not bypassed by a general one). Among equals the
    oldest wins, so adding a template never silently changes an existing set-up."""
    target = target_of(cohort, activity, module)
    if kind != target.kind:
        raise CertificatesError(
            "wrong_kind",
            gettext("A %(kind)s template cannot apply here.")
            % {"kind": CertificateKind(kind).label.lower()},
        )
    active = CertificateTemplate.objects.filter(active=True, kind=kind).order_by("pk")
    unattached = active.filter(
        cohorts__isnull=True, activities__isnull=True, modules__isnull=True
    ).distinct()
    attachment = {"cohort": "cohorts", "activity": "activities", "module": "modules"}[target.field]
    programme = programme_of(target)
    levels = [active.filter(**{attachment: target.obj})]
    if programme is not None:
        levels.append(unattached.filter(programme=programme))
    levels.append(unattached.filter(programme__isnull=True))
    for level in levels:
        template = level.first()
        if template is not None:
            if automatic and not template.auto_issue:
                return None
            return template
    return None

"""A group and its leaders: create, change and delete a group; invite, accept and remove
co-leaders."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from cohorts.errors import CohortsError
from cohorts.groups.models import (
    GroupKind,
    LeaderInvitation,
    YouthGroup,
)
from cohorts.groups.services.access import (
    LIVE,
    group_log,
    leader_check,
    leader_refusal,
)
from lms import languages
from lms.mail.services import email_queue
from lms.models import User, undeliverable
from lms.tokens import token_digest, token_new


@dataclass
class GroupData:
    name: str
    organisation: str
    country: str
    kind: str


def _group_clean(data: GroupData) -> GroupData:
    name = " ".join((data.name or "").split())[:200]
    organisation = " ".join((data.organisation or "").split())[:200]
    country = (data.country or "").strip().upper()
    if not name:
        raise CohortsError("bad_group", _("Please give the group a name."))
    if not organisation:
        raise CohortsError("bad_group", _("Please name the organisation the group belongs to."))
    if not country or country not in dict(countries):
        raise CohortsError("bad_group", _("Please choose the group's country."))
    if data.kind not in GroupKind.values:
        raise CohortsError("bad_group", _("Please choose what kind of group it is."))
    return GroupData(name=name, organisation=organisation, country=country, kind=data.kind)


def group_create(*, actor, data: GroupData) -> YouthGroup:
    """An adult sets up a group and becomes its first leader."""
    refusal = leader_refusal(actor)
    if refusal:
        raise CohortsError("not_adult", refusal)
    data = _group_clean(data)
    with transaction.atomic(durable=True):
        group = YouthGroup.objects.create(
            name=data.name, organisation=data.organisation, country=data.country, kind=data.kind
        )
        group.leaders.add(actor)
        group_log(group, "create", actor, name=group.name, country=data.country)
    return group


def group_update(*, actor, group: YouthGroup, data: GroupData) -> YouthGroup:
    """Change the group's name, organisation, country or kind. The country cannot change while
    the group holds places: they were counted against the old country's share."""
    leader_check(actor, group)
    data = _group_clean(data)
    with transaction.atomic(durable=True):
        group = YouthGroup.objects.select_for_update().get(pk=group.pk)
        if data.country != group.country.code and group.bookings.filter(state__in=LIVE).exists():
            raise CohortsError(
                "has_bookings",
                _(
                    "The group's booked places count for %(country)s; cancel them before "
                    "changing the country."
                )
                % {"country": group.country.name},
            )
        group.name, group.organisation = data.name, data.organisation
        group.country, group.kind = data.country, data.kind
        group.save()
        group_log(group, "update", actor, name=group.name, country=data.country)
    return group


INVITATIONS_OPEN_MAX = 10


def leader_invite(*, actor, group: YouthGroup, email: str) -> LeaderInvitation:
    """Invite a co-leader by e-mail. The same happens whether or not the address has an
    account (the inviting leader learns nothing about it); an earlier open invitation to the
    same address is replaced, so only the newest link works."""
    leader_check(actor, group)
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email:
        raise CohortsError("no_email", _("Please enter the co-leader's e-mail address."))
    if undeliverable(email):
        raise CohortsError("bad_email", _("%(email)s cannot receive e-mail.") % {"email": email})
    if group.leaders.filter(email__iexact=email).exists():
        raise CohortsError(
            "already_leader",
            _("%(email)s already leads %(group)s.") % {"email": email, "group": group.name},
        )
    now = timezone.now()
    token, digest = token_new()
    with transaction.atomic(durable=True):
        YouthGroup.objects.select_for_update().filter(pk=group.pk).first()
        open_ones = LeaderInvitation.objects.filter(
            group=group, accepted_at=None, cancelled_at=None, expires_at__gt=now
        )
        open_ones.filter(email__iexact=email).update(cancelled_at=now)
        if open_ones.count() >= INVITATIONS_OPEN_MAX:
            raise CohortsError(
                "too_many",
                ngettext(
                    "%(group)s has %(count)s open invitation; cancel some first.",
                    "%(group)s has %(count)s open invitations; cancel some first.",
                    INVITATIONS_OPEN_MAX,
                )
                % {"group": group.name, "count": INVITATIONS_OPEN_MAX},
            )
        invitation = LeaderInvitation.objects.create(
            group=group,
            email=email,
            token_hash=digest,
            invited_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.GROUP_LEADER_INVITATION_DAYS),
        )
        expires = timezone.localtime(invitation.expires_at)
        with languages.reading(languages.of_address(email)):
            email_queue(
                recipient=email,
                reason=f"cohorts.group.leader_invitation:{invitation.pk}",
                subject=(
                    _("%(inviter)s invites you to co-lead %(group)s on BSR Academy")
                    % {"inviter": actor, "group": group.name}
                )[:300],
                template="cohorts.group.leader_invitation",
                context={
                    "inviter": str(actor),
                    "group_name": group.name,
                    "organisation": group.organisation,
                    "url": settings.BASE_URL.rstrip("/")
                    + reverse("groups:leader_invitation", args=[token]),
                    "expires_text": (
                        f"{formats.date_format(expires, 'DATETIME_FORMAT')} {expires.tzname()}"
                    ),
                },
            )
        group_log(group, "leader_invite", actor, invitation_id=invitation.pk)
    return invitation


def leader_invitation_by_token(token: str) -> LeaderInvitation | None:
    if not token or len(token) > 100:
        return None
    return (
        LeaderInvitation.objects.select_related("group", "invited_by")
        .filter(token_hash=token_digest(token))
        .first()
    )


def leader_invitation_accept(*, invitation: LeaderInvitation, user) -> YouthGroup:
    """The invited person accepts, logged in with the account of the invited address."""
    with transaction.atomic(durable=True):
        invitation = LeaderInvitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if invitation is None or not invitation.is_open():
            raise CohortsError("closed", _("This invitation is no longer open."))
        if user is None or not user.is_authenticated or user.email.lower() != invitation.email:
            raise CohortsError(
                "other_account", _("This invitation is for another address than your account's.")
            )
        refusal = leader_refusal(user)
        if refusal:
            raise CohortsError("not_adult", refusal)
        group = invitation.group
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        group.leaders.add(user)
        group_log(group, "leader_add", user, leader_id=user.pk, invitation_id=invitation.pk)
    return group


def leader_invitation_cancel(*, actor, group: YouthGroup, invitation_id: int) -> str:
    leader_check(actor, group)
    with transaction.atomic(durable=True):
        invitation = (
            LeaderInvitation.objects.select_for_update()
            .filter(pk=invitation_id, group=group, accepted_at=None, cancelled_at=None)
            .first()
        )
        if invitation is None:
            raise CohortsError("closed", _("That invitation is no longer open."))
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        group_log(group, "leader_invitation_cancel", actor, invitation_id=invitation.pk)
    return _("The invitation to %(email)s is cancelled; its link no longer works.") % {
        "email": invitation.email
    }


def leader_remove(*, actor, group: YouthGroup, leader_id: int) -> str:
    """A leader removes a co-leader, or leaves the group themselves; a group always keeps at
    least one leader (someone must be able to see and erase the children's data)."""
    leader_check(actor, group)
    with transaction.atomic(durable=True):
        YouthGroup.objects.select_for_update().filter(pk=group.pk).first()
        leader = group.leaders.filter(pk=leader_id).first()
        if leader is None:
            raise CohortsError("not_a_leader", _("That person does not lead this group."))
        if group.leaders.count() <= 1:
            raise CohortsError(
                "last_leader",
                _(
                    "%(group)s needs at least one leader. Add another leader first, or remove "
                    "its members and delete the group."
                )
                % {"group": group.name},
            )
        group.leaders.remove(leader)
        group_log(group, "leader_remove", actor, leader_id=leader.pk)
    if leader.pk == actor.pk:
        return _("You no longer lead %(group)s.") % {"group": group.name}
    return _("%(leader)s no longer leads %(group)s.") % {"leader": leader, "group": group.name}


def group_delete(*, actor, group: YouthGroup) -> str:
    """Delete a group that has no members left (each removal erases a member without an
    account properly, so nothing personal is left behind by deleting the group)."""
    leader_check(actor, group)
    with transaction.atomic(durable=True):
        locked = YouthGroup.objects.select_for_update().filter(pk=group.pk).first()
        if locked is None:
            raise CohortsError("not_found", _("That group no longer exists."))
        left = locked.members.count()
        if left:
            raise CohortsError(
                "has_members",
                ngettext(
                    "%(group)s still has %(count)s member. Remove them first (a member with a "
                    "booked place needs the booking cancelled), then delete the group.",
                    "%(group)s still has %(count)s members. Remove them first (a member with a "
                    "booked place needs the booking cancelled), then delete the group.",
                    left,
                )
                % {"group": group.name, "count": left},
            )
        name = locked.name
        group_log(locked, "delete", actor)
        locked.delete()
    return _("%(group)s has been deleted.") % {"group": name}


def sole_leader_groups(user) -> list[YouthGroup]:
    """The groups `user` is the only leader of (their account cannot be erased before someone
    else takes these over)."""
    return [
        group
        for group in YouthGroup.objects.filter(leaders=user).prefetch_related("leaders")
        if len(group.leaders.all()) == 1
    ]

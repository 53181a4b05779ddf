"""The form that starts a matching run in the cohort desk, and its initial values from an earlier
run."""

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from cohorts.matching import selectors as matching_selectors
from cohorts.matching import services as peergroups
from cohorts.matching.algorithm import DEFAULT_WEIGHTS, EXACT_MAX_PARTICIPANTS
from cohorts.matching.models import MatchingRun


class MatchingRunForm(forms.Form):
    group_size = forms.IntegerField(
        label=gettext_lazy("Group size"),
        min_value=peergroups.MIN_GROUP_SIZE,
        max_value=peergroups.MAX_GROUP_SIZE,
        initial=5,
        help_text=gettext_lazy("People per group; sizes then differ by at most one."),
    )
    min_countries = forms.IntegerField(
        label=gettext_lazy("Countries per group, at least"),
        min_value=0,
        max_value=11,
        initial=3,
        help_text=gettext_lazy("0: no minimum."),
    )
    separate_organisations = forms.BooleanField(
        label=gettext_lazy("No two people from one organisation in a group"),
        required=False,
        initial=True,
    )
    no_lone_youth = forms.BooleanField(
        label=gettext_lazy("No young participant (under 18) alone among adults"),
        required=False,
        initial=True,
    )
    no_lone = forms.MultipleChoiceField(
        label=gettext_lazy("Nobody may be the only one of these in a group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    together = forms.CharField(
        label=gettext_lazy("Must be in the same group"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One pair per line: two e-mail addresses, separated by a comma."),
    )
    apart = forms.CharField(
        label=gettext_lazy("Must be in different groups"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One pair per line: two e-mail addresses, separated by a comma."),
    )
    mode = forms.ChoiceField(
        label=pgettext_lazy("matching run", "Search"),
        choices=list(peergroups.MODES.items()),
        initial="auto",
        widget=forms.RadioSelect,
    )
    time_limit = forms.IntegerField(
        label=gettext_lazy("Time limit (seconds)"),
        min_value=1,
        max_value=peergroups.MAX_TIME_LIMIT,
        initial=peergroups.DEFAULT_TIME_LIMIT,
    )
    seed = forms.IntegerField(
        label=pgettext_lazy("random seed", "Seed"),
        required=False,
        min_value=0,
        max_value=peergroups.SEED_MAX,
        help_text=gettext_lazy(
            "Empty: a new random seed. The same seed and settings give the same groups."
        ),
    )

    def __init__(self, data=None, *, pool, initial=None):
        super().__init__(data, initial=initial, auto_id="matching-%s")
        self.pool = pool
        self.by_email = {e.user.email.lower(): e for e in pool}
        for attribute, label in peergroups.WEIGHTED_ATTRIBUTES.items():
            self.fields[f"weight_{attribute}"] = forms.FloatField(
                label=label,
                min_value=0,
                max_value=peergroups.MAX_WEIGHT,
                initial=DEFAULT_WEIGHTS.get(attribute, 0),
            )
        self.fields["no_lone"].choices = self._lone_choices()

    def weight_fields(self):
        return [self[f"weight_{attribute}"] for attribute in peergroups.WEIGHTED_ATTRIBUTES]

    def _lone_choices(self) -> list[tuple[str, str]]:
        choices = []
        for attribute in peergroups.LONE_ATTRIBUTES:
            values = sorted({str(getattr(e, attribute) or "") for e in self.pool} - {""})
            label = peergroups.WEIGHTED_ATTRIBUTES.get(attribute, attribute.capitalize())
            choices += [
                (f"{attribute}:{v}", f"{label}: {matching_selectors.value_label(attribute, v)}")
                for v in values
            ]
        return choices

    def _pairs(self, name: str) -> list[list[int]]:
        pairs, problems = [], []
        for number, line in enumerate(self.cleaned_data.get(name, "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part for part in re.split(r"[,;\s]+", line.strip()) if part]
            if len(parts) != 2:
                problems.append(
                    _("Line %(number)s: write two e-mail addresses.") % {"number": number}
                )
                continue
            found = [self.by_email.get(part.lower()) for part in parts]
            missing = [part for part, e in zip(parts, found, strict=True) if e is None]
            if missing:
                problems.append(
                    _("Line %(number)s: no accepted participant has the e-mail %(email)s.")
                    % {"number": number, "email": missing[0]}
                )
            elif found[0].pk == found[1].pk:
                problems.append(_("Line %(number)s: the same person twice.") % {"number": number})
            else:
                pairs.append([found[0].pk, found[1].pk])
        if problems:
            raise forms.ValidationError(problems)
        return pairs

    def clean_together(self):
        return self._pairs("together")

    def clean_apart(self):
        return self._pairs("apart")

    def clean(self):
        cleaned = super().clean()
        weights = [cleaned.get(f"weight_{a}") for a in peergroups.WEIGHTED_ATTRIBUTES]
        if all(w is not None for w in weights) and not any(weights):
            raise forms.ValidationError(_("Give at least one attribute a weight above 0."))
        mode = cleaned.get("mode")
        if mode == "exact" and len(self.pool) > EXACT_MAX_PARTICIPANTS:
            self.add_error(
                "mode",
                _(
                    "The exact search is for up to %(max)s people; this cohort has %(count)s. "
                    "Choose fast or automatic."
                )
                % {"max": EXACT_MAX_PARTICIPANTS, "count": len(self.pool)},
            )
        together = {tuple(sorted(p)) for p in cleaned.get("together") or []}
        apart = {tuple(sorted(p)) for p in cleaned.get("apart") or []}
        if together & apart:
            raise forms.ValidationError(_("A pair cannot be both together and apart."))
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "group_size": data["group_size"],
            "weights": {a: data[f"weight_{a}"] for a in peergroups.WEIGHTED_ATTRIBUTES},
            "min_countries": data["min_countries"],
            "separate_organisations": data["separate_organisations"],
            "no_lone_youth": data["no_lone_youth"],
            "no_lone": [choice.split(":", 1) for choice in data["no_lone"]],
            "pinned": data["together"],
            "forbidden": data["apart"],
            "seed": data["seed"],
            "mode": data["mode"],
            "time_limit": data["time_limit"],
        }


def initial_from(run: MatchingRun, pool) -> dict:
    """The form filled in as `run` was started, to repeat or vary it."""
    params = run.params or {}
    emails = {e.pk: e.user.email for e in pool}

    def lines(key: str) -> str:
        return "\n".join(
            f"{emails[a]}, {emails[b]}"
            for a, b in params.get(key, [])
            if a in emails and b in emails
        )

    initial = {
        "group_size": params.get("group_size"),
        "min_countries": params.get("min_countries", 0),
        "separate_organisations": params.get("separate_organisations", True),
        "no_lone_youth": params.get("no_lone_youth", True),
        "no_lone": [f"{a}:{v}" for a, v in params.get("no_lone", [])],
        "together": lines("pinned"),
        "apart": lines("forbidden"),
        "mode": params.get("mode", "auto"),
        "time_limit": int(params.get("time_limit", peergroups.DEFAULT_TIME_LIMIT)),
        "seed": run.seed,
    }
    for attribute, weight in (params.get("weights") or {}).items():
        initial[f"weight_{attribute}"] = weight
    return initial

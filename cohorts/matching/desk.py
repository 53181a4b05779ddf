"""Peer-group matching in the cohort desk: start runs, follow a run's progress, compare runs side
by side, move people between groups, re-match after drop-outs and publish — for the cohorts the
member of staff manages only (any other cohort is a 404)."""

from datetime import timedelta

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages

from cohorts.desk.views import CohortDeskMixin, desk_url
from cohorts.errors import CohortsError
from cohorts.matching import selectors as matching_selectors
from cohorts.matching import services as peergroups
from cohorts.matching.algorithm import EXACT_MAX_PARTICIPANTS
from cohorts.matching.forms import MatchingRunForm, initial_from
from cohorts.matching.models import MatchingRun, MatchingRunState

# A requested run still waiting after this long has probably lost its job.
REQUEUE_AFTER = timedelta(seconds=60)
MAX_COMPARED = 6
WORKING = (MatchingRunState.REQUESTED, MatchingRunState.RUNNING)


def matching_url(cohort) -> str:
    return reverse("cohorts_matching", args=[cohort.pk])


def run_url(run: MatchingRun) -> str:
    return reverse("cohorts_matching_run", args=[run.cohort_id, run.number])


# --- pages ------------------------------------------------------------------------------------


def _number(value) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 10**9 else None


class MatchingMixin(CohortDeskMixin):
    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": matching_url(self.cohort), "label": _("Peer groups")},
        ]

    def run_or_404(self, number: int) -> MatchingRun:
        run = matching_selectors.run_of(self.cohort, number)
        if run is None:
            raise Http404
        return run


# The search a run used, by its stored code, as the pages name it (in English, the code itself).
SEARCH_NAMES = {
    "auto": pgettext_lazy("matching search", "auto"),
    "exact": pgettext_lazy("matching search", "exact"),
    "fast": pgettext_lazy("matching search", "fast"),
    "rematch": pgettext_lazy("matching search", "rematch"),
    "evaluate": pgettext_lazy("matching search", "evaluate"),
}


def search_name(mode: str) -> str:
    return str(SEARCH_NAMES.get(mode, mode))


def run_row(run: MatchingRun) -> dict:
    """What the comparison shows of one run."""
    params = run.params or {}
    violations = matching_selectors.run_violations(run)
    return {
        "run": run,
        "url": run_url(run),
        "mode": search_name((run.violations or {}).get("mode") or params.get("mode", "")),
        "params": params,
        "gap_percent": None if run.gap is None else round(run.gap * 100, 1),
        "gap_text": _gap_text(run.gap),
        "score": _num(run.score),
        "progress_note": matching_selectors.stored_text(run.progress_note),
        # Groups made uneven by hand can hold more pairs than the bound (for even sizes) counts.
        "above_bound": run.gap is not None and run.gap < 0,
        "violations": [(rule, violations[rule]) for rule in matching_selectors.RULE_LABELS],
        "total_violations": sum(violations.values()),
        "sizes": matching_selectors.run_sizes(run),
        "seconds": matching_selectors.run_seconds(run),
        "weights": ", ".join(
            # Translators: an attribute and its weight in a matching run, e.g. "country 2".
            pgettext("matching weight", "%(attribute)s %(weight)s")
            % {
                "attribute": str(peergroups.WEIGHTED_ATTRIBUTES.get(a, a)).lower(),
                "weight": formats.number_format(f"{w:g}"),
            }
            for a, w in (params.get("weights") or {}).items()
        ),
    }


def _dash(value) -> str:
    return "—" if value is None or value == "" else str(value)


def comparison(rows: list[dict]) -> list[tuple[str, list[str], bool]]:
    """(measure, one cell per run, whether a non-zero cell is a problem), for the side-by-side
    table."""
    proven = _(", proven best")
    table = [
        (
            pgettext("matching run", "Status"),
            [row["run"].get_state_display() for row in rows],
            False,
        ),
        (
            pgettext("matching run", "Search"),
            [row["mode"] + (proven if row["run"].proven_optimal else "") for row in rows],
            False,
        ),
        (_("Group size asked"), [_dash(row["params"].get("group_size")) for row in rows], False),
        (_("Groups (count × size)"), [_dash(row["sizes"]) for row in rows], False),
        (_("People"), [_dash(row["run"].participants or None) for row in rows], False),
        (_("Diversity score"), [_dash(_num(row["run"].score)) for row in rows], False),
        (_("Upper bound"), [_dash(_num(row["run"].upper_bound)) for row in rows], False),
        (
            _("Gap to the bound"),
            [row["gap_text"] for row in rows],
            False,
        ),
    ]
    for index, label in enumerate(matching_selectors.RULE_LABELS.values()):
        cells = [
            str(row["violations"][index][1]) if row["run"].state == "done" else "—" for row in rows
        ]
        # Translators: a row of the runs compared side by side: how often a rule was broken.
        table.append((_("Broken: %(rule)s") % {"rule": str(label).lower()}, cells, True))
    table += [
        (
            _("Countries per group, at least"),
            [_dash(row["params"].get("min_countries") or None) for row in rows],
            False,
        ),
        (_("Weights"), [_dash(row["weights"]) for row in rows], False),
        (pgettext("random seed", "Seed"), [str(row["run"].seed) for row in rows], False),
        (
            _("Seconds"),
            [
                _dash(None if row["seconds"] is None else formats.number_format(row["seconds"], 1))
                for row in rows
            ],
            False,
        ),
        (_("Moves by hand"), [str(row["run"].adjustments) for row in rows], False),
    ]
    return table


def _gap_text(gap: float | None) -> str:
    if gap is None:
        return "—"
    if gap < 0:
        return _("above the bound (uneven sizes)")
    return _("%(percent)s %%") % {"percent": formats.number_format(round(gap * 100, 1), 1)}


def _num(value) -> str | None:
    return None if value is None else formats.number_format(f"{value:g}")


class MatchingIndexView(MatchingMixin, TemplateView):
    template_name = "cohorts/admin/matching_index.html"

    def get_page_title(self):
        return _("Peer groups: %(cohort)s") % {"cohort": self.cohort.title}

    def get_breadcrumbs_items(self):
        return CohortDeskMixin.get_breadcrumbs_items(self) + [
            {"url": "", "label": _("Peer groups")}
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        runs = matching_selectors.runs_of(self.cohort)
        rows = [run_row(run) for run in runs]
        wanted = [_number(v) for v in self.request.GET.getlist("compare")]
        compared = sorted(
            (row for row in rows if row["run"].number in wanted), key=lambda r: r["run"].number
        )[:MAX_COMPARED]
        published_id = matching_selectors.published_run_id(self.cohort)
        compared = compared if len(compared) >= 2 else []
        context.update(
            cohort=self.cohort,
            rows=rows,
            compared=compared,
            comparison=comparison(compared),
            compare_asked=bool(wanted),
            rule_columns=[
                (peergroups.RULE_SHORT[rule], label)
                for rule, label in matching_selectors.RULE_LABELS.items()
            ],
            published=next((r for r in runs if r.pk == published_id), None),
            pool_size=len(matching_selectors.pool_of(self.cohort)),
            desk_url=desk_url(self.cohort),
            start_url=reverse("cohorts_matching_start", args=[self.cohort.pk]),
            working=any(run.state in WORKING for run in runs),
        )
        return context


class MatchingStartView(MatchingMixin, TemplateView):
    template_name = "cohorts/admin/matching_start.html"

    def get_page_title(self):
        return _("Start a matching run: %(cohort)s") % {"cohort": self.cohort.title}

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("Start a run")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pool = matching_selectors.pool_of(self.cohort)
        if "form" not in kwargs:
            initial = None
            source = _number(self.request.GET.get("from"))
            run = matching_selectors.run_of(self.cohort, source) if source else None
            if run is not None:
                initial = initial_from(run, pool)
                context["repeating"] = run
            kwargs["form"] = MatchingRunForm(pool=pool, initial=initial)
        context.update(
            cohort=self.cohort,
            form=kwargs["form"],
            pool_size=len(pool),
            exact_max=EXACT_MAX_PARTICIPANTS,
            matching_url=matching_url(self.cohort),
        )
        return context

    def post(self, request, *args, **kwargs):
        pool = matching_selectors.pool_of(self.cohort)
        form = MatchingRunForm(request.POST, pool=pool)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            run = peergroups.matching_run_request(
                cohort=self.cohort, actor=request.user, **form.service_kwargs()
            )
        except CohortsError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request, _("Matching run %(number)s has started.") % {"number": run.number}
        )
        return redirect(run_url(run))


class MatchingRunView(MatchingMixin, TemplateView):
    template_name = "cohorts/admin/matching_run.html"

    def get_page_title(self):
        return _("Matching run %(number)s: %(cohort)s") % {
            "number": self.kwargs["number"],
            "cohort": self.cohort.title,
        }

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": "", "label": _("Run %(number)s") % {"number": self.kwargs["number"]}},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.run_or_404(self.kwargs["number"])
        context.update(run_context(run))
        context.update(cohort=self.cohort, matching_url=matching_url(self.cohort))
        return context


def run_context(run: MatchingRun) -> dict:
    now = timezone.now()
    working = run.state in WORKING
    context = {
        "run": run,
        "row": run_row(run),
        "working": working,
        "progress_note": matching_selectors.stored_text(run.progress_note),
        "error_text": matching_selectors.stored_text(run.error),
        "stalled": peergroups.matching_run_stalled(run),
        "status_url": reverse("cohorts_matching_status", args=[run.cohort_id, run.number]),
        "repeat_url": reverse("cohorts_matching_start", args=[run.cohort_id])
        + f"?from={run.number}",
        "requeue": (
            run.state == MatchingRunState.REQUESTED and now - run.created_at > REQUEUE_AFTER
        )
        or (
            run.state == MatchingRunState.RUNNING
            and run.started_at is not None
            and now - run.started_at
            > timedelta(seconds=int(settings.Q_CLUSTER.get("timeout") or 600))
        ),
    }
    if run.state != MatchingRunState.DONE:
        return context
    people = matching_selectors.people_of_run(run)
    explanations = {entry.get("number"): entry for entry in run.explanation or []}
    groups = []
    for number, members in enumerate(run.groups, start=1):
        entry = explanations.get(number, {})
        relaxed = entry.get("relaxed", {})
        groups.append(
            {
                "number": number,
                "members": [people[eid] for eid in members if eid in people],
                "sentences": peergroups.explanation_sentences(entry, run.params),
                "relaxed": [
                    (matching_selectors.RULE_LABELS.get(rule, rule), n)
                    for rule, n in relaxed.items()
                ],
            }
        )
    violations = matching_selectors.run_violations(run)
    unavoidable = (run.violations or {}).get("unavoidable", {})
    checks = [
        {
            "rule": rule,
            "label": label,
            "count": violations[rule],
            "unavoidable": int(unavoidable.get(rule, 0)),
        }
        for rule, label in matching_selectors.RULE_LABELS.items()
    ]
    published_id = matching_selectors.published_run_id(run.cohort)
    is_published = published_id == run.pk
    changed_since = is_published and sorted(
        sorted(group) for group in run.groups if group
    ) != sorted(sorted(g) for g in matching_selectors.published_groups(run.cohort))
    no_country = _("no country")
    move_choices = [
        (
            _("Group %(number)s") % {"number": group["number"]},
            [
                (p.enrolment_id, f"{p.name} — {p.country_name or no_country}")
                for p in group["members"]
            ],
        )
        for group in groups
    ]
    context.update(
        groups=groups,
        checks=checks,
        broken=sum(violations.values()),
        notes=(run.violations or {}).get("notes", []),
        changes=matching_selectors.pool_changes(run, people),
        is_published=is_published,
        changed_since=changed_since,
        other_published=published_id is not None and not is_published,
        move_choices=move_choices,
        group_numbers=[group["number"] for group in groups],
        publish_url=reverse("cohorts_matching_publish", args=[run.cohort_id, run.number]),
    )
    return context


class MatchingStatusView(MatchingMixin, View):
    """The status row as JSON, for the run page's progress bar."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        run = self.run_or_404(kwargs["number"])
        response = JsonResponse(
            {
                "state": run.state,
                "label": run.get_state_display(),
                "progress": run.progress,
                "note": matching_selectors.stored_text(run.progress_note),
                "finished": run.state not in WORKING,
                "error": matching_selectors.stored_text(run.error),
            }
        )
        response["Cache-Control"] = "no-store"
        return response


class _RunActionView(MatchingMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        run = self.run_or_404(kwargs["number"])
        try:
            return self.act(request, run)
        except CohortsError as exc:
            messages.error(request, exc.message)
            return redirect(run_url(run) + self.anchor)

    anchor = ""

    def act(self, request, run):
        """What the action does; each subclass below defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define act()")


class MatchingMoveView(_RunActionView):
    anchor = "#groups"

    def act(self, request, run):
        enrolment_id = _number(request.POST.get("enrolment"))
        to_group = _number(request.POST.get("to_group"))
        if enrolment_id is None or to_group is None:
            messages.error(request, _("Choose a person and the group to move them to."))
            return redirect(run_url(run) + self.anchor)
        before = matching_selectors.run_total_violations(run)
        score_before = run.score
        run = peergroups.matching_run_move(
            run=run, enrolment_id=enrolment_id, to_group=to_group, actor=request.user
        )
        person = matching_selectors.people_of_run(run).get(enrolment_id)
        name = person.name if person else _("The person")
        after = matching_selectors.run_total_violations(run)
        text = _("Moved %(name)s to group %(group)s. Score %(score)s (was %(before)s).") % {
            "name": name,
            "group": to_group,
            "score": _num(run.score),
            "before": _num(score_before),
        }
        if after:
            broken = [
                str(matching_selectors.RULE_LABELS[rule]).lower()
                for rule, n in matching_selectors.run_violations(run).items()
                if n
            ]
            text += " " + ngettext(
                "Rule checks: %(count)s broken (%(rules)s).",
                "Rule checks: %(count)s broken (%(rules)s).",
                after,
            ) % {"count": after, "rules": "; ".join(broken)}
            messages.warning(request, text)
        else:
            text += " " + (
                _("Every rule check passes.") if before else _("Every rule check still passes.")
            )
            messages.success(request, text)
        return redirect(run_url(run) + self.anchor)


class MatchingRematchView(_RunActionView):
    def act(self, request, run):
        new = peergroups.matching_rematch(run=run, actor=request.user)
        messages.success(
            request,
            _("Re-matching run %(run)s as run %(new)s, moving as few as possible.")
            % {"run": run.number, "new": new.number},
        )
        return redirect(run_url(new))


class MatchingRequeueView(_RunActionView):
    def act(self, request, run):
        if peergroups.matching_run_requeue(run=run, actor=request.user):
            messages.info(
                request, _("The job of run %(number)s was queued again.") % {"number": run.number}
            )
        return redirect(run_url(run))


class MatchingPublishView(MatchingMixin, TemplateView):
    """A confirmation page, then the publication; groups that break rules need an explicit
    tick."""

    template_name = "cohorts/admin/matching_publish.html"

    def get_page_title(self):
        return _("Publish run %(number)s: %(cohort)s") % {
            "number": self.kwargs["number"],
            "cohort": self.cohort.title,
        }

    def get_breadcrumbs_items(self):
        number = self.kwargs["number"]
        return [
            *super().get_breadcrumbs_items(),
            {
                "url": reverse("cohorts_matching_run", args=[self.cohort.pk, number]),
                "label": _("Run %(number)s") % {"number": number},
            },
            {"url": "", "label": _("Publish")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.run_or_404(self.kwargs["number"])
        people = matching_selectors.people_of_run(run)
        violations = matching_selectors.run_violations(run)
        context.update(
            cohort=self.cohort,
            run=run,
            run_url=run_url(run),
            people=sum(len(group) for group in run.groups),
            group_count=len([g for g in run.groups if g]),
            broken=[
                (matching_selectors.RULE_LABELS[rule], n) for rule, n in violations.items() if n
            ],
            changes=matching_selectors.pool_changes(run, people) if run.state == "done" else None,
            replaces=matching_selectors.published_run_id(self.cohort) is not None,
        )
        return context

    def post(self, request, *args, **kwargs):
        run = self.run_or_404(kwargs["number"])
        try:
            peergroups.matching_run_publish(
                run=run,
                actor=request.user,
                accept_violations=request.POST.get("accept_violations") == "yes",
            )
        except CohortsError as exc:
            context = self.get_context_data()
            context["error"] = exc.message
            return self.render_to_response(context)
        messages.success(
            request,
            _(
                "Published the peer groups of run %(number)s. Participants whose group is new or "
                "changed get an e-mail, and everyone sees their group on My learning."
            )
            % {"number": run.number},
        )
        return redirect(run_url(run))

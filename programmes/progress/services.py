"""Write-side services of learning: recording steps done, marking knowledge checks on the
server, and completing a module (which emits `programmes.module.completed` exactly once)."""

import hashlib
import secrets

from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from lms.events import emit
from lms.languages.content import canonical
from lms.models import GuardianApproval, Profile
from lms.tokens import derived_token_fields
from programmes.calendar.models import CalendarFeed
from programmes.errors import ProgrammesError
from programmes.pages.models import ModulePage, ProgrammeIndexPage
from programmes.progress.models import ModuleProgress, QuizAttempt, StepProgress
from programmes.progress.selectors import missing_prerequisites

QUIZ_NONCE_SALT = "programmes.quiz"
QUIZ_NONCE_MAX_AGE = 60 * 60 * 24  # a quiz form stays valid for a day
REFLECTION_MAX_LENGTH = 10_000


def _find_step(module: ModulePage, step_id: str):
    for child in module.lessons:
        if child.id == step_id:
            return child
    raise ProgrammesError("unknown_step", gettext("This step is not part of the module any more."))


GUARDIAN_PENDING = gettext_lazy(
    "Your account is waiting for your guardian's approval. You can read the lessons now; your "
    "progress, answers and reflections can be saved once they have approved it."
)


def _awaiting_guardian(user) -> bool:
    """A young person's own account before a guardian approved it keeps only the minimum:
    no learning progress, answers or reflections."""
    return Profile.objects.filter(
        user_id=user.pk, guardian_approval=GuardianApproval.PENDING
    ).exists()


def _check_access(*, user, module: ModulePage) -> None:
    if _awaiting_guardian(user):
        raise ProgrammesError("guardian_pending", GUARDIAN_PENDING)
    missing = missing_prerequisites(module=module, user=user)
    if missing:
        # Translators: a module's title in quotation marks; the titles are joined with commas.
        names = ", ".join(gettext("“%(module)s”") % {"module": m.title} for m in missing)
        raise ProgrammesError(
            "locked",
            gettext("Finish %(modules)s first to unlock this module.") % {"modules": names},
        )


def _progress_locked(*, user, module: ModulePage) -> ModuleProgress:
    ModuleProgress.objects.get_or_create(user=user, module=module)
    return ModuleProgress.objects.select_for_update().get(user=user, module=module)


def _complete_if_done(*, progress: ModuleProgress, module: ModulePage) -> bool:
    if progress.completed_at is not None:
        return False
    step_ids = {child.id for child in module.lessons}
    done = set(progress.steps.values_list("step_id", flat=True))
    if not step_ids or not step_ids <= done:
        return False
    progress.completed_at = timezone.now()
    progress.save(update_fields=["completed_at", "updated_at"])
    emit(
        "programmes.module.completed",
        key=f"programmes.module.completed:{progress.user_id}:{module.pk}",
        payload={"user_id": progress.user_id, "module_id": module.pk},
    )
    return True


def _step_done(*, progress: ModuleProgress, step_id: str, reflection: str = "") -> None:
    step, created = StepProgress.objects.get_or_create(
        progress=progress, step_id=step_id, defaults={"reflection": reflection}
    )
    if not created and reflection and step.reflection != reflection:
        step.reflection = reflection
        step.save(update_fields=["reflection"])


def progress_step_complete(
    *, user, module: ModulePage, step_id: str, reflection: str = ""
) -> ModuleProgress:
    """Mark a lesson, scenario or reflection step done (a reflection needs its text)."""
    child = _find_step(module, step_id)
    if child.block_type == "quiz":
        raise ProgrammesError(
            "quiz_needs_answers", gettext("A knowledge check is passed by answering it.")
        )
    reflection = reflection.strip()
    if child.block_type == "reflection":
        if not reflection:
            raise ProgrammesError("reflection_empty", gettext("Write a few words before saving."))
        if len(reflection) > REFLECTION_MAX_LENGTH:
            raise ProgrammesError(
                "reflection_too_long",
                ngettext(
                    "Please keep the reflection under %(count)s character.",
                    "Please keep the reflection under %(count)s characters.",
                    REFLECTION_MAX_LENGTH,
                )
                % {"count": number_format(REFLECTION_MAX_LENGTH, force_grouping=True)},
            )
    else:
        reflection = ""
    with transaction.atomic(durable=True):
        _check_access(user=user, module=module)
        progress = _progress_locked(user=user, module=module)
        _step_done(progress=progress, step_id=step_id, reflection=reflection)
        progress.last_step_id = step_id
        progress.save(update_fields=["last_step_id", "updated_at"])
        _complete_if_done(progress=progress, module=module)
    return progress


def progress_step_visit(*, user, module: ModulePage, step_id: str) -> None:
    """Remember the step a participant opened, so they resume there."""
    _find_step(module, step_id)
    if _awaiting_guardian(user):
        return
    with transaction.atomic(durable=True):
        progress, _ = ModuleProgress.objects.get_or_create(user=user, module=module)
        if progress.last_step_id != step_id:
            progress.last_step_id = step_id
            progress.save(update_fields=["last_step_id", "updated_at"])


def quiz_nonce(*, user, module: ModulePage, step_id: str) -> str:
    """A signed, single-use token binding a quiz form to this participant, module and step."""
    return signing.dumps(
        {"u": user.pk, "m": module.pk, "s": step_id, "r": secrets.token_hex(8)},
        salt=QUIZ_NONCE_SALT,
    )


def _question_items(quiz_value):
    questions = quiz_value["questions"]
    return [
        (item.id or str(i), item.value)
        for i, item in enumerate(getattr(questions, "bound_blocks", questions))
    ]


def _option_items(question_value):
    options = question_value["options"]
    return [
        (item.id or str(i), item.value)
        for i, item in enumerate(getattr(options, "bound_blocks", options))
    ]


def quiz_mark(*, quiz_value, answers: dict[str, list[str]]) -> tuple[int, dict]:
    """Mark answers ({question id: [option ids]}) against a quiz block's value.

    Returns the score in per cent and, per question, whether it was right and the feedback of
    each option chosen. Unknown question or option ids raise ProgrammesError."""
    questions = _question_items(quiz_value)
    known_questions = {qid for qid, _ in questions}
    unknown = set(answers) - known_questions
    if unknown:
        raise ProgrammesError(
            "bad_answer", gettext("The answers do not match this knowledge check.")
        )
    right = 0
    results = {}
    for qid, question in questions:
        options = dict(_option_items(question))
        chosen = answers.get(qid, [])
        if any(option_id not in options for option_id in chosen):
            raise ProgrammesError(
                "bad_answer", gettext("The answers do not match this knowledge check.")
            )
        if not question.get("multiple") and len(chosen) > 1:
            raise ProgrammesError(
                "bad_answer", gettext("Choose one answer for each single-choice question.")
            )
        correct = {oid for oid, option in options.items() if option.get("correct")}
        is_right = bool(chosen) and set(chosen) == correct
        right += is_right
        results[qid] = {
            "right": is_right,
            "chosen": list(chosen),
            "feedback": {oid: options[oid].get("feedback", "") for oid in chosen},
        }
    score = round(100 * right / len(questions)) if questions else 0
    return score, results


def quiz_submit(
    *, user, module: ModulePage, step_id: str, answers: dict[str, list[str]], nonce: str
) -> QuizAttempt:
    """Record one attempt at a knowledge check; passing it completes the step."""
    child = _find_step(module, step_id)
    if child.block_type != "quiz":
        raise ProgrammesError("not_a_quiz", gettext("This step is not a knowledge check."))
    try:
        data = signing.loads(nonce, salt=QUIZ_NONCE_SALT, max_age=QUIZ_NONCE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ProgrammesError(
            "expired",
            gettext("This form has expired. The questions were reloaded; please answer again."),
        ) from exc
    except signing.BadSignature as exc:
        raise ProgrammesError("tampered", gettext("This answer could not be accepted.")) from exc
    if data.get("u") != user.pk or data.get("m") != module.pk or data.get("s") != step_id:
        raise ProgrammesError(
            "tampered", gettext("These answers belong to another knowledge check.")
        )
    score, results = quiz_mark(quiz_value=child.value, answers=answers)
    passed = score >= int(child.value.get("pass_mark") or 0)
    try:
        with transaction.atomic(durable=True):
            _check_access(user=user, module=module)
            progress = _progress_locked(user=user, module=module)
            attempt = QuizAttempt.objects.create(
                progress=progress,
                step_id=step_id,
                answers=answers,
                score=score,
                passed=passed,
                # The signed form token is long; its digest is what makes a replay collide.
                nonce=hashlib.sha256(nonce.encode()).hexdigest(),
            )
            progress.last_step_id = step_id
            progress.save(update_fields=["last_step_id", "updated_at"])
            if passed:
                _step_done(progress=progress, step_id=step_id)
                _complete_if_done(progress=progress, module=module)
    except IntegrityError as exc:
        raise ProgrammesError(
            "replayed",
            gettext("These answers were already submitted. Your first submission counts."),
        ) from exc
    attempt.results = results
    return attempt


def calendar_feed_ensure(*, user) -> CalendarFeed:
    """The participant's personal calendar feed, created with a fresh secret on first use."""
    feed, _ = CalendarFeed.objects.get_or_create(
        user=user, defaults=derived_token_fields(CalendarFeed.LINK_PURPOSE)
    )
    return feed


def calendar_feed_reset(*, user) -> CalendarFeed:
    """Replace the feed's secret so every copy of the old link stops working."""
    with transaction.atomic(durable=True):
        fields = derived_token_fields(CalendarFeed.LINK_PURPOSE)
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            user=user, defaults=fields
        )
        if not created:
            feed.token_salt, feed.token_hash = fields["token_salt"], fields["token_hash"]
            feed.save(update_fields=["token_salt", "token_hash"])
    return feed


# --- approval before public pages go live -----------------------------------------------------

APPROVERS_GROUP = "Programme admins"
APPROVAL_WORKFLOW = "Programme admin approval"


def programme_workflow_ensure():
    """The Wagtail workflow under which a programme admin approves a page before it goes live:
    a "Programme admins" group (who may publish programme pages), a group approval task for it,
    and the workflow on every programme index page that has none of its own. Idempotent; run by
    `load_demo` and before anyone without publishing rights submits a page."""

    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=APPROVERS_GROUP)
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
        task = GroupApprovalTask.objects.filter(name=APPROVAL_WORKFLOW).first()
        if task is None:
            task = GroupApprovalTask.objects.create(name=APPROVAL_WORKFLOW)
        task.groups.add(group)
        workflow = Workflow.objects.filter(name=APPROVAL_WORKFLOW).first()
        if workflow is None:
            workflow = Workflow.objects.create(name=APPROVAL_WORKFLOW, active=True)
        WorkflowTask.objects.get_or_create(
            workflow=workflow, task=task.task_ptr, defaults={"sort_order": 0}
        )
        page_permissions = Permission.objects.filter(
            content_type__app_label="wagtailcore",
            codename__in=["add_page", "change_page", "publish_page"],
        )
        for index in canonical(ProgrammeIndexPage.objects.all()):
            # An editor's own choice of workflow for the section is kept.
            if not WorkflowPage.objects.filter(page=index).exists():
                WorkflowPage.objects.create(page=index, workflow=workflow)
            for permission in page_permissions:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=index, permission=permission
                )
    return workflow

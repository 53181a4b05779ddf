"""Working through a module step by step: lessons, scenarios, knowledge checks, reflections."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from programmes.errors import ProgrammesError
from programmes.pages.models import ModulePage
from programmes.progress.models import StepProgress
from programmes.progress.selectors import module_state
from programmes.progress.services import (
    _option_items,
    _question_items,
    progress_step_complete,
    progress_step_visit,
    quiz_nonce,
    quiz_submit,
)

MAX_ANSWER_FIELDS = 200


def _step_url(module: ModulePage, step_id: str) -> str:
    return f"{module.url}step/{step_id}/"


def _answers_from(post) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    keys = [key for key in post if key.startswith("q-")]
    if len(keys) > MAX_ANSWER_FIELDS:
        raise ProgrammesError("bad_answer", _("The answers do not match this knowledge check."))
    for key in keys:
        answers[key[2:]] = [value for value in post.getlist(key) if value][:50]
    return answers


def _quiz_questions(child, attempt=None) -> list[dict]:
    """The quiz as the participant sees it: never which options are correct."""

    results = getattr(attempt, "results", {}) if attempt else {}
    questions = []
    for qid, question in _question_items(child.value):
        result = results.get(qid, {})
        chosen = set(result.get("chosen", []))
        questions.append(
            {
                "id": qid,
                "prompt": question.get("prompt"),
                "multiple": bool(question.get("multiple")),
                "right": result.get("right") if attempt else None,
                "options": [
                    {
                        "id": oid,
                        "text": option.get("text"),
                        "chosen": oid in chosen,
                        "feedback": result.get("feedback", {}).get(oid, ""),
                    }
                    for oid, option in _option_items(question)
                ],
            }
        )
    return questions


def _render(request, module, state, child, *, status=200, **extra):
    previous, following = state.neighbours(child.id)
    context = {
        "page": module,
        "self": module,
        "parent": module.parent_for_breadcrumb(),
        "state": state,
        "step": state.step(child.id),
        "child": child,
        "previous": previous,
        "following": following,
        "step_url": _step_url(module, child.id),
        **extra,
    }
    if child.block_type == "quiz":
        context["nonce"] = quiz_nonce(user=request.user, module=module, step_id=child.id)
        context["questions"] = _quiz_questions(child, extra.get("attempt"))
    if child.block_type == "reflection" and "reflection" not in extra:
        saved = StepProgress.objects.filter(
            progress__user=request.user, progress__module=module, step_id=child.id
        ).first()
        context["reflection"] = saved.reflection if saved else ""
    return TemplateResponse(request, "programmes/module_step.html", context, status=status)


def module_step(request, *, module: ModulePage, step_id: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    child = next((c for c in module.lessons if c.id == step_id), None)
    if child is None:
        raise Http404("No such step in this module.")
    state = module_state(module=module, user=request.user)
    if state.locked:
        return TemplateResponse(
            request,
            "programmes/module_locked.html",
            {"page": module, "self": module, "state": state},
            status=403,
        )
    if request.method == "POST":
        return _post(request, module, state, child)
    if request.method not in ("GET", "HEAD"):
        raise Http404
    if state.progress is None or state.progress.last_step_id != step_id:
        progress_step_visit(user=request.user, module=module, step_id=step_id)
    return _render(request, module, state, child)


def _after_done(request, module, step_id):
    state = module_state(module=module, user=request.user)
    if state.completed and state.done_count == len(state.steps):
        return HttpResponseRedirect(module.url)
    _, following = state.neighbours(step_id)
    target = following or state.next_step
    return HttpResponseRedirect(_step_url(module, target.id) if target else module.url)


def _post(request, module, state, child):
    try:
        if child.block_type == "quiz":
            attempt = quiz_submit(
                user=request.user,
                module=module,
                step_id=child.id,
                answers=_answers_from(request.POST),
                nonce=request.POST.get("nonce", ""),
            )
            state = module_state(module=module, user=request.user)
            if state.completed:
                messages.success(
                    request,
                    _("Well done: you have completed “%(module)s”.") % {"module": module.title},
                )
            return _render(request, module, state, child, attempt=attempt)
        progress_step_complete(
            user=request.user,
            module=module,
            step_id=child.id,
            reflection=request.POST.get("reflection", ""),
        )
    except ProgrammesError as error:
        if error.code in ("reflection_empty", "reflection_too_long"):
            return _render(
                request,
                module,
                state,
                child,
                reflection_error=error.message,
                reflection=request.POST.get("reflection", "")[:20_000],
            )
        messages.error(request, error.message)
        return _render(request, module, state, child, status=400)
    if module_state(module=module, user=request.user).completed and not state.completed:
        messages.success(
            request, _("Well done: you have completed “%(module)s”.") % {"module": module.title}
        )
    return _after_done(request, module, child.id)

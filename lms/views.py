"""Public and personal views of the kernel: sign-up, profile, error pages."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django.views.static import serve as static_serve

from lms.consent_account import account_guardian_resend
from lms.forms import GuardianResendForm, ProfileForm, SignupForm
from lms.models import Profile
from lms.services import LmsError, profile_update, user_register
from lms.signin.views import profile_context


class SignupView(FormView):
    template_name = "lms/signup.html"
    form_class = SignupForm
    success_url = reverse_lazy("profile")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("profile")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = user_register(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                country=data["country"],
                preferred_language=data["preferred_language"],
                date_of_birth=data["date_of_birth"],
                guardian_email=data["guardian_email"],
            )
        except LmsError as error:
            form.add_error(SIGNUP_ERROR_FIELDS.get(error.code), error.message)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        if user.profile.awaiting_guardian:
            messages.info(
                self.request,
                f"Welcome, {user.profile.full_name}. Your account is waiting for your guardian's "
                f"approval; we e-mailed {user.profile.guardian_email}. Until they approve it you "
                "cannot register for activities or apply to programmes.",
            )
        else:
            messages.success(
                self.request,
                f"Welcome, {user.profile.full_name}. We have sent a welcome e-mail to "
                f"{user.email}. Tell us a little more about yourself below.",
            )
        return super().form_valid(form)


SIGNUP_ERROR_FIELDS = {
    "email_taken": "email",
    "guardian_required": "guardian_email",
    "guardian_is_self": "guardian_email",
}


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "lms/profile.html"
    form_class = ProfileForm
    success_url = reverse_lazy("profile")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        profile = Profile.objects.filter(user=self.request.user).first()
        kwargs["instance"] = profile or Profile(
            user=self.request.user, full_name=self.request.user.get_full_name()
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organisation_options"] = ProfileForm.organisation_options()
        context["profile"] = profile = context["form"].instance
        context.update(profile_context(self.request))
        if profile.awaiting_guardian:
            context["guardian_form"] = GuardianResendForm(
                initial={"guardian_email": profile.guardian_email}
            )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        if form.awaiting_guardian:
            # Only the name and language are on the form; the rest stays as it is.
            profile = form.instance
            data = {
                **data,
                "country": str(profile.country),
                "organisation_name": "",
                "sector": "",
                "level": "",
                "date_of_birth": profile.date_of_birth,
                "gender": "",
            }
        profile_update(
            user=self.request.user,
            full_name=data["full_name"],
            preferred_language=data["preferred_language"],
            country=data["country"] or "",
            organisation_name=data["organisation_name"],
            sector=data["sector"],
            level=data["level"],
            date_of_birth=data["date_of_birth"],
            gender=data["gender"],
        )
        messages.success(self.request, "Your profile has been saved.")
        return super().form_valid(form)


@require_POST
@login_required
def guardian_resend(request):
    """A young person sends the approval request to their guardian again, or to a corrected
    address."""
    form = GuardianResendForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("guardian_email", []):
            messages.error(request, error)
        return redirect("profile")
    try:
        account_guardian_resend(
            user=request.user, guardian_email=form.cleaned_data["guardian_email"]
        )
    except LmsError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"We have e-mailed {form.cleaned_data['guardian_email'].lower()} again to ask "
            "for their approval.",
        )
    return redirect("profile")


def admin_login_redirect(request):
    """The admin's own login page sends people to the site's, keeping where they were going."""
    target = reverse("login")
    if request.GET.get("next"):
        target += "?" + urlencode({"next": request.GET["next"]})
    return redirect(target)


def media_serve(request, path: str):
    """Uploaded media on the embedded default. A name the file system cannot hold (too long,
    odd bytes) is simply not there: a 404, not a server error."""
    try:
        return static_serve(request, path, document_root=settings.MEDIA_ROOT)
    except (OSError, ValueError) as exc:
        raise Http404("No such file.") from exc


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)

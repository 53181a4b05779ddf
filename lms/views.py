"""Public and personal views of the kernel: sign-up, profile, error pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.generic import FormView
from django.views.static import serve as static_serve

from lms.forms import ProfileForm, SignupForm
from lms.models import Profile
from lms.services import LmsError, profile_update, user_register


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
            )
        except LmsError as error:
            form.add_error("email" if error.code == "email_taken" else None, error.message)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request,
            f"Welcome, {user.profile.full_name}. We have sent a welcome e-mail to {user.email}. "
            "Tell us a little more about yourself below.",
        )
        return super().form_valid(form)


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
        return context

    def form_valid(self, form):
        data = form.cleaned_data
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

"""Public and personal views of the kernel: sign-up, profile, error pages, security.txt."""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, HttpResponseRedirect, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView, TemplateView
from django.views.static import serve as static_serve

from lms.accounts.consent import account_guardian_resend
from lms.accounts.forms import GuardianResendForm, ProfileForm, SignupForm
from lms.accounts.models import Profile, User
from lms.accounts.services import (
    profile_language_set,
    profile_update,
    signup_confirm,
    signup_request,
)
from lms.contact import site_contact
from lms.errors import LmsError
from lms.languages import address_in, of_user, supported
from lms.languages.middleware import set_cookie
from lms.signin.views import profile_context
from lms.tokens import signup_token_generator


class SignupView(FormView):
    """Sign-up answers the same whether or not the address has an account (lms.accounts.services
    .signup_request): "check your e-mail". The e-mail says what to do next."""

    template_name = "lms/signup.html"
    form_class = SignupForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("profile")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            signup_request(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                country=data["country"],
                preferred_language=data["preferred_language"],
                date_of_birth=data["date_of_birth"],
                guardian_email=data["guardian_email"],
                request=self.request,
            )
        except LmsError as error:
            form.add_error(SIGNUP_ERROR_FIELDS.get(error.code), error.message)
            return self.form_invalid(form)
        return render(
            self.request,
            "lms/signup_sent.html",
            {"needs_guardian": form.needs_guardian},
        )


SIGNUP_ERROR_FIELDS = {
    "guardian_required": "guardian_email",
    "guardian_is_self": "guardian_email",
}


class SignupConfirmView(TemplateView):
    """The link in the confirmation e-mail: opening it (GET, HEAD) only shows a button; the
    button (POST) opens the account and logs the person in."""

    template_name = "lms/signup_confirm.html"

    def _user(self) -> User | None:
        try:
            pk = int(force_str(urlsafe_base64_decode(self.kwargs["uidb64"])))
        except (TypeError, ValueError, OverflowError):
            return None
        user = User.objects.filter(pk=pk, signup_pending=True).select_related("profile").first()
        if user is None or not signup_token_generator.check_token(user, self.kwargs["token"]):
            return None
        return user

    def get(self, request, *args, **kwargs):
        user = self._user()
        status = 200 if user else 404
        return self.render_to_response({"valid": user is not None}, status=status)

    def post(self, request, *args, **kwargs):
        user = self._user()
        if user is None:
            return self.render_to_response({"valid": False}, status=404)
        signup_confirm(user=user)
        user.refresh_from_db()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        # From here on the person reads their own language, this welcome included.
        translation.activate(of_user(user))
        if user.profile.awaiting_guardian:
            messages.info(
                request,
                _(
                    "Welcome, %(name)s. Your account is waiting for your guardian's approval; we "
                    "e-mailed %(guardian)s. Until they approve it you cannot register for "
                    "activities or apply to programmes."
                )
                % {"name": user.profile.full_name, "guardian": user.profile.guardian_email},
            )
        else:
            messages.success(
                request,
                _(
                    "Welcome, %(name)s. We have sent a welcome e-mail to %(email)s. Tell us a "
                    "little more about yourself below."
                )
                % {"name": user.profile.full_name, "email": user.email},
            )
        return redirect("profile")


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
        # The site follows the language just chosen, from this page on.
        language = supported(data["preferred_language"])
        translation.activate(language)
        messages.success(self.request, _("Your profile has been saved."))
        response = super().form_valid(form)
        set_cookie(response, language)
        return response


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
            _("We have e-mailed %(address)s again to ask for their approval.")
            % {"address": form.cleaned_data["guardian_email"].lower()},
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


@require_GET
def security_txt(request):
    """Where to report a vulnerability (RFC 9116), from the SECURITY_CONTACT setting."""
    expires = (timezone.now() + dt.timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: mailto:{settings.SECURITY_CONTACT}",
        f"Expires: {expires.astimezone(dt.UTC).isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: en",
        f"Canonical: {settings.BASE_URL.rstrip('/')}/.well-known/security.txt",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Without the request's context processors: they may be what failed.
    html = loader.render_to_string("500.html", {"site_contact": site_contact()})
    return HttpResponseServerError(html)


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@require_POST
def language_switch(request):
    """Switch to the posted language and go back to the page the switcher was on, in that
    language when its address carries one. A logged-in person's profile keeps the choice, so
    their e-mails and documents follow it too. An unknown language or a `next` address on
    another site is ignored (English, the home page), never an error."""
    language = supported(request.POST.get("language"))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    target = address_in(target, language)
    if request.user.is_authenticated:
        profile_language_set(user=request.user, language=language)
    response = HttpResponseRedirect(target)
    set_cookie(response, language)
    return response

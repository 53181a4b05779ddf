"""Confirming who one is again before an irreversible step (erasure) or handing out everything
kept about a person (data export): the current password, or a code from one's second factor.
Wrong passwords count towards the login lockout; wrong codes slow down like at login."""

import re

from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.signin.devices import second_factor_check, second_factor_has_device

CODE_LIKE = re.compile(r"^\s*(\d{3}\s?\d{3}|[a-z2-7]{4}(-?[a-z2-7]{4}){3})\s*$", re.IGNORECASE)


class ConfirmIdentityForm(forms.Form):
    confirmation = forms.CharField(
        label=gettext_lazy("Your password"),
        max_length=254,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request, unchanged: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.unchanged = unchanged if unchanged is not None else _("Nothing was changed.")
        self.user = request.user
        self.with_code = second_factor_has_device(self.user)
        field = self.fields["confirmation"]
        if self.with_code:
            field.label = _("Your password, or a code from your authenticator app")
            field.help_text = _("A recovery code works too (it is then used up).")
        else:
            field.help_text = _("To make sure it is you, not someone at your unlocked screen.")

    def clean_confirmation(self):
        typed = self.cleaned_data["confirmation"]
        if self.with_code and CODE_LIKE.match(typed):
            if second_factor_check(user=self.user, code=typed) is not None:
                return typed
        elif self.user.has_usable_password():
            found = authenticate(self.request, username=self.user.email, password=typed)
            if found is not None and found.pk == self.user.pk:
                return typed
        if self.with_code:
            message = _("That is neither your password nor a valid code.")
        else:
            message = _("That is not your password.")
        raise forms.ValidationError(f"{message} {self.unchanged}")

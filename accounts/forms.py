from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from kit.forms import ErrorBoundField, Form, name_errors


class PasswordResetRequestForm(Form):
    email = forms.EmailField(
        label="Work email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Enter your work email."},
    )


class PasswordSetForm(SetPasswordForm):
    """Django's form for a new password (the project's validators), in the house's words."""

    bound_field_class = ErrorBoundField
    error_messages = {
        "password_mismatch": "The two passwords are not the same. Type the same password twice.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label = "New password"
        first.error_messages["required"] = "Enter a new password."
        second.label = "Type the new password again"
        second.help_text = ""
        second.error_messages["required"] = "Type the new password again."

    def clean(self) -> dict[str, Any] | None:
        # As Django's, but a password that breaks a rule is reported on the first box, under the
        # rules, rather than on the box that repeats it.
        self.validate_passwords("new_password1", "new_password2")
        if not self.has_error("new_password2"):
            self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)

    def full_clean(self) -> None:
        name_errors(self)
        super().full_clean()

"""The public verification forms: a code typed or pasted, and a PDF checked against the SHA-256
recorded at issue. The PDF is hashed as it arrives and never written anywhere."""

import hashlib
import io

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates.verify.codes import GROUP, GROUPS, code_normalise

CODE_EXAMPLE = "7KQ2-M9XD-3FHT-8WNC-2JRB-6YAE-5VPG"


def _code_shape() -> str:
    return gettext(
        "A verification code has %(groups)s groups of %(group)s letters and digits, like "
        "%(example)s. It is printed at the foot of the certificate, next to the QR code."
    ) % {"groups": GROUPS, "group": GROUP, "example": CODE_EXAMPLE}


def _malformed() -> str:
    return gettext("This is not a verification code. %(shape)s") % {"shape": _code_shape()}


def _code_help() -> str:
    return gettext("%(shape)s Lower case, spaces and missing dashes are fine.") % {
        "shape": _code_shape()
    }


def _code_required() -> str:
    return gettext("Enter the verification code. %(shape)s") % {"shape": _code_shape()}


# In the reader's language, whenever they are shown.
CODE_SHAPE = lazy(_code_shape, str)()
MALFORMED = lazy(_malformed, str)()
CODE_HELP = lazy(_code_help, str)()
# A pasted code with spaces or dashes between every character is still well under this.
CODE_MAX_TYPED = 100
PDF_FIELD = "pdf"
# PDF readers accept the "%PDF-" header anywhere in the first kilobyte.
PDF_HEADER = b"%PDF-"
HEAD_BYTES = 1024


def code_input(**attrs) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "maxlength": str(CODE_MAX_TYPED),
            **attrs,
        }
    )


def _code(text: str) -> str:
    code = code_normalise(text) if len(text) <= CODE_MAX_TYPED else None
    if code is None:
        raise forms.ValidationError(MALFORMED, code="malformed")
    return code


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        help_text=CODE_HELP,
        strip=True,
        error_messages={"required": lazy(_code_required, str)()},
        widget=code_input(),
    )

    def clean_code(self) -> str:
        return _code(self.cleaned_data["code"])


class HashedUpload(UploadedFile):
    """What is left of an uploaded PDF: its size, SHA-256 and first kilobyte."""

    def __init__(self, *, name, content_type, size, sha256: str, head: bytes):
        super().__init__(io.BytesIO(head), name, content_type, size)
        self.sha256 = sha256
        self.head = head

    @property
    def looks_like_pdf(self) -> bool:
        return PDF_HEADER in self.head


class HashingUploadHandler(FileUploadHandler):
    """Hashes the check form's PDF chunk by chunk while the request is read, instead of Django's
    handlers that keep uploads in memory or in a temporary file. A file over `max_bytes` is
    skipped (the rest of it read and thrown away) and reported as too large."""

    def __init__(self, request=None, *, field_name: str, max_bytes: int):
        super().__init__(request)
        self.wanted = field_name
        self.max_bytes = max_bytes
        self.too_large = False
        self._taken = False
        self._digest = None
        self._head = b""
        self._size = 0

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        # One file, from the one field; anything else a client sends is read past unkept.
        if field_name != self.wanted or self._taken:
            raise SkipFile
        self._taken = True
        if content_length is not None and content_length > self.max_bytes:
            self.too_large = True
            raise SkipFile
        self._digest = hashlib.sha256()
        self._head = b""
        self._size = 0

    def receive_data_chunk(self, raw_data, start):
        self._size += len(raw_data)
        if self._size > self.max_bytes:
            self.too_large = True
            raise SkipFile
        self._digest.update(raw_data)
        if len(self._head) < HEAD_BYTES:
            self._head = (self._head + raw_data)[:HEAD_BYTES]
        return None

    def file_complete(self, file_size):
        if self._digest is None:
            return None
        return HashedUpload(
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            sha256=self._digest.hexdigest(),
            head=self._head,
        )


def too_large_message(max_bytes: int) -> str:
    return gettext(
        "This file is larger than %(size)s, so it cannot be a certificate from BSR Academy. "
        "Choose the certificate's PDF file."
    ) % {"size": filesizeformat(max_bytes)}


class UploadForm(forms.Form):
    pdf = forms.FileField(
        label=_("Certificate PDF"),
        error_messages={
            "required": _("Choose the certificate's PDF file."),
            "empty": _("This file is empty. Choose the certificate's PDF file."),
            "invalid": _("Choose the certificate's PDF file."),
        },
    )
    code = forms.CharField(
        label=_("Verification code (optional)"),
        required=False,
        strip=True,
        help_text=_(
            "With the code, a file that differs from the certificate issued for it is "
            "reported as changed."
        ),
        widget=code_input(),
    )

    def __init__(self, *args, handler: HashingUploadHandler | None = None, max_bytes: int, **kw):
        super().__init__(*args, **kw)
        self.handler = handler
        self.max_bytes = max_bytes
        size = filesizeformat(max_bytes)
        self.fields[PDF_FIELD].help_text = gettext(
            "The PDF file exactly as you received it, at most %(size)s. It is checked here and "
            "not kept."
        ) % {"size": size}
        self.fields[PDF_FIELD].widget.attrs["accept"] = "application/pdf,.pdf"
        if handler is not None and handler.too_large:
            # The file was skipped, so the field is empty: say why instead of "required".
            self.fields[PDF_FIELD].required = False

    def clean_pdf(self):
        upload = self.cleaned_data.get(PDF_FIELD)
        if self.handler is not None and self.handler.too_large:
            raise forms.ValidationError(
                too_large_message(self.max_bytes),
                code="too_large",
            )
        if not isinstance(upload, HashedUpload):
            raise forms.ValidationError(
                gettext("Choose the certificate's PDF file."), code="invalid"
            )
        if not upload.looks_like_pdf:
            raise forms.ValidationError(
                gettext(
                    "This file is not a PDF. Choose the certificate's PDF file, as you received it."
                ),
                code="not_pdf",
            )
        return upload

    def clean_code(self) -> str:
        text = self.cleaned_data.get("code", "")
        return _code(text) if text else ""

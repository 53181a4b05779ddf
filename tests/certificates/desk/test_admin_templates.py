"""Certificate templates in the Wagtail admin: editors set up a template in one form (general,
text, translations, signatories, look), get each mistake shown on its field without losing what
they typed, and see the sample certificate as a PDF in the preview panel — unsaved edits and
the second language included — or download it."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from certificates.desk.forms import WORDING_HELP
from certificates.documents.wording import PLACEHOLDERS
from certificates.models import CertificateTemplate
from tests.certificates.issuing import flat, make_template
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LATVIAN_TITLE = "Apliecība par programmas pabeigšanu"
LATVIAN = "Šī apliecība apliecina, ka {name} ir sekmīgi pabeidzis {cohort} ({programme})."


def url(name: str, *args) -> str:
    return reverse(f"wagtailsnippets_certificates_certificatetemplate:{name}", args=args)


def form_data(**changes) -> dict:
    """The editor's form as a browser posts it: a BEP completion template with a Latvian
    translation and two signatories."""
    data = {
        "name": "BEP completion",
        "kind": "programme",
        "programme": "",
        "auto_issue": "on",
        "active": "on",
        "language": "en",
        "title": "Certificate of completion",
        "wording": "This certifies that {name} has completed {cohort} of the {programme}.\n"
        "Held {dates} in {place}.",
        "hours": "48",
        "logo": "",
        "colour": "#1d3557",
        "accent": "#5c677d",
        "border": "double",
        "paper": "A4",
        "landscape": "on",
        "translations": inline_formset(
            [{"language": "lv", "title": LATVIAN_TITLE, "wording": LATVIAN}]
        ),
        "signatories": inline_formset(
            [
                {"name": "Õie Täht", "role": "Programme director", "signature": ""},
                {"name": "Søren Ærø", "role": "Head of the presidency team", "signature": ""},
            ]
        ),
    }
    # Checkbox lists go in as lists: nested_form_data would number them like inline rows.
    choices = {key: changes.pop(key, []) for key in ("cohorts", "activities", "modules")}
    data.update(changes)
    return {**nested_form_data(data), **choices}


def pdf_text(content: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


@pytest.fixture
def editor(client, staff):
    client.force_login(staff)
    return client


# --- the form -----------------------------------------------------------------------------------


def test_an_editor_creates_a_bilingual_template_with_signatories(editor):
    response = editor.post(url("add"), form_data())

    assert response.status_code == 302, response.context["form"].errors
    template = CertificateTemplate.objects.get(name="BEP completion")
    assert template.hours == 48
    assert [(t.language, t.title) for t in template.translations.all()] == [("lv", LATVIAN_TITLE)]
    assert [s.name for s in template.signatories.all()] == ["Õie Täht", "Søren Ærø"]


def test_the_editor_lists_every_placeholder_and_explains_bilingual_certificates(editor):
    page = editor.get(url("add"))

    html = page.content.decode()
    for name in PLACEHOLDERS:
        assert "{" + name + "}" in WORDING_HELP
        assert "{" + name + "}" in html
    assert "bilingual" in html.lower() and "preferred language" in html
    # The colours are edited with the browser's colour picker.
    assert 'type="color"' in html and 'name="colour"' in html and 'name="accent"' in html
    # The live preview panel is there, with the bilingual sample as a second mode.
    assert url("preview_on_add") in html
    assert "Bilingual sample" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("wording", "Awarded to {nmae} for {cohort}.", "Unknown placeholder {nmae}"),
        ("wording", "Awarded to {name for {cohort}.", "unmatched"),
        ("title", "Certificate {name!r}", "Write placeholders plainly"),
        ("colour", "navy", "Use a colour like #1d3557."),
        ("accent", "#12345", "Use a colour like #1d3557."),
    ],
)
def test_a_mistake_is_shown_on_its_field_and_nothing_typed_is_lost(editor, field, value, message):
    response = editor.post(url("add"), form_data(**{field: value}))

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert list(form.errors) == [field]
    html = response.content.decode()
    assert "Søren Ærø" in html and LATVIAN_TITLE in html, "the inline rows survive"
    assert "BEP completion" in html
    assert not CertificateTemplate.objects.exists()


def test_a_translation_is_checked_like_the_main_text(editor):
    translations = inline_formset(
        [
            {"language": "lv", "title": LATVIAN_TITLE, "wording": "Apliecina, ka {vards} …"},
            {"language": "en", "title": "Certificate", "wording": "Again in English {name}."},
        ]
    )

    response = editor.post(url("add"), form_data(translations=translations))

    assert response.status_code == 200
    forms = response.context["form"].formsets["translations"].forms
    assert "Unknown placeholder {vards}" in " ".join(forms[0].errors["wording"])
    assert "main language" in " ".join(forms[1].errors["language"])
    assert "Apliecina, ka {vards} …" in response.content.decode()
    assert not CertificateTemplate.objects.exists()


def test_two_translations_in_one_language_are_refused_not_a_crash(editor):
    translations = inline_formset(
        [
            {"language": "fi", "title": "Todistus", "wording": "{name} on suorittanut."},
            {"language": "fi", "title": "Todistus", "wording": "{name} suoritti."},
        ]
    )

    response = editor.post(url("add"), form_data(translations=translations))

    assert response.status_code == 200
    assert not CertificateTemplate.objects.exists()


def test_what_it_applies_to_must_fit_its_kind_and_programme(editor, make_cohort, make_activity):
    cohort = make_cohort()
    activity = make_activity(title="Table-top exercise: storm and power cut")

    wrong_kind = editor.post(url("add"), form_data(activities=[str(activity.pk)]))
    other = make_cohort(programme=make_programme_page())
    wrong_programme = editor.post(
        url("add"),
        form_data(programme=str(cohort.programme_id), cohorts=[str(cohort.pk), str(other.pk)]),
    )

    errors = wrong_kind.context["form"].errors
    assert "applies to cohorts; leave activities empty" in " ".join(errors["activities"])
    errors = wrong_programme.context["form"].errors
    assert other.title in " ".join(errors["cohorts"]) and cohort.title not in " ".join(
        errors["cohorts"]
    )
    assert not CertificateTemplate.objects.exists()


def make_programme_page():
    from programmes.models import ProgrammeIndexPage, ProgrammePage

    index = ProgrammeIndexPage.objects.get()
    page = ProgrammePage(title="NEEDS", slug="needs", summary="Needs-based education.")
    index.add_child(instance=page)
    return page


# --- the live preview ---------------------------------------------------------------------------


def test_the_preview_panel_shows_the_sample_pdf_with_unsaved_edits(editor):
    template = make_template("programme", name="BEP completion")
    edited = form_data(
        title="Certificate of excellence",
        wording="Þórunn Guðmundsdóttir and {name} of Ģirts Ķēniņš's team completed {cohort}.",
    )

    posted = editor.post(url("preview_on_edit", template.pk), edited)
    preview = editor.get(url("preview_on_edit", template.pk))

    assert posted.json() == {"is_valid": True, "is_available": True}
    assert preview.status_code == 200
    assert preview["Content-Type"] == "application/pdf"
    text = pdf_text(preview.content)
    assert "Certificate of excellence" in text
    assert "Þórunn Guðmundsdóttir and Žydrūnas Šimkus of Ģirts Ķēniņš's team completed" in text
    assert "Šī apliecība" not in text, "the default mode prints the main language only"
    # Nothing was saved: the preview is of the form as it is being edited.
    template.refresh_from_db()
    assert template.title == "Certificate of completion"


def test_the_bilingual_preview_adds_the_first_translation(editor):
    template = make_template("programme", name="BEP completion")

    editor.post(url("preview_on_edit", template.pk), form_data())
    preview = editor.get(url("preview_on_edit", template.pk) + "?mode=bilingual")

    text = pdf_text(preview.content)
    assert LATVIAN_TITLE in text
    assert "Šī apliecība apliecina, ka Žydrūnas Šimkus ir sekmīgi pabeidzis" in text
    assert "This certifies that Žydrūnas Šimkus has completed" in text


def test_a_new_template_can_be_previewed_before_it_is_saved(editor):
    editor.post(url("preview_on_add"), form_data(kind="activity", title="Attendance"))
    preview = editor.get(url("preview_on_add"))

    assert preview["Content-Type"] == "application/pdf"
    text = pdf_text(preview.content)
    assert "Attendance" in text and "48 h" in text
    assert not CertificateTemplate.objects.exists()


def test_an_invalid_form_pauses_the_preview_without_an_error(editor):
    template = make_template("programme")

    posted = editor.post(url("preview_on_edit", template.pk), form_data(wording="{oops}"))
    preview = editor.get(url("preview_on_edit", template.pk))

    assert posted.json()["is_valid"] is False
    assert preview.status_code == 200
    assert "application/pdf" not in preview["Content-Type"]


# --- the sample download ------------------------------------------------------------------------


def test_the_sample_pdf_downloads_from_the_editor(editor):
    template = make_template(
        "programme",
        name="BEP completion",
        translations={"fi": ("Todistus", "{name} on suorittanut ohjelman {cohort}.")},
    )
    edit = editor.get(url("edit", template.pk)).content.decode()
    sample = reverse("certificates_template_sample", args=[template.pk])

    plain = editor.get(sample)
    bilingual = editor.get(sample + "?mode=bilingual")
    junk = editor.get(sample + "?mode=%3Cx%3E")

    assert sample in edit and "Download sample PDF" in edit
    assert sample in editor.get(url("list")).content.decode(), "each row of the list has it too"
    assert plain["Content-Type"] == "application/pdf"
    assert "attachment" in plain["Content-Disposition"]
    assert "Žydrūnas Šimkus" in pdf_text(plain.content)
    assert "Todistus" not in pdf_text(plain.content)
    assert "Žydrūnas Šimkus on suorittanut ohjelman" in pdf_text(bilingual.content)
    assert junk.status_code == 200 and "Todistus" not in pdf_text(junk.content)


def test_people_without_template_rights_get_no_sample(client, staff):
    template = make_template("programme")
    sample = reverse("certificates_template_sample", args=[template.pk])
    presidency = UserFactory(is_staff=True)
    client.force_login(presidency)

    response = client.get(sample)

    assert response.status_code in (302, 403)
    assert response.get("Content-Type") != "application/pdf"
    client.force_login(staff)
    assert client.get(reverse("certificates_template_sample", args=[999999])).status_code == 404


def test_a_half_filled_new_template_still_previews_with_the_default_look(editor):
    blank = dict.fromkeys(["title", "wording", "colour", "accent", "border", "paper"], "")
    data = nested_form_data(
        {
            "name": "Draft",
            "kind": "module",
            **blank,
            "translations": inline_formset([]),
            "signatories": inline_formset([]),
        }
    )
    posted = editor.post(url("preview_on_add"), data)
    preview = editor.get(url("preview_on_add"))

    assert posted.json()["is_valid"] is True
    assert preview.status_code == 200 and preview["Content-Type"] == "application/pdf"
    assert "Žydrūnas Šimkus" in pdf_text(preview.content)

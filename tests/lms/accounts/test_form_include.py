"""The shared form partial: every field is named, and a screen reader hears its errors and help
text with it, selects and groups of radio buttons included."""

import re
from html.parser import HTMLParser

from django import forms
from django.template.loader import render_to_string


class Trip(forms.Form):
    country = forms.ChoiceField(
        choices=[("", "—"), ("LV", "Latvia"), ("FI", "Finland")],
        help_text="Where the group travels from.",
    )
    transport = forms.ChoiceField(
        choices=[("bus", "Bus"), ("ferry", "Ferry")],
        widget=forms.RadioSelect,
        help_text="The organisers book it.",
    )
    note = forms.CharField(required=False)


class Elements(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def first(self, tag: str, **wanted) -> dict:
        return next(
            attrs
            for name, attrs in self.elements
            if name == tag and all(attrs.get(k) == v for k, v in wanted.items())
        )

    def ids(self) -> set[str]:
        return {attrs["id"] for _, attrs in self.elements if "id" in attrs}


def rendered(form: forms.Form) -> tuple[str, Elements]:
    html = render_to_string("includes/form.html", {"form": form})
    return html, Elements(html)


def test_a_select_with_an_error_points_at_its_error_and_its_help():
    html, page = rendered(Trip(data={"country": "XX", "transport": "bus"}))

    select = page.first("select", name="country")
    described = select["aria-describedby"].split()
    assert set(described) == {"id_country_error", "id_country_helptext"}
    assert set(described) <= page.ids()
    assert select["aria-invalid"] == "true"
    assert "Select a valid choice" in html
    assert page.first("label", **{"for": "id_country"})


def test_radio_buttons_are_a_fieldset_named_by_its_legend_and_described_by_its_error():
    html, page = rendered(Trip(data={"country": "LV"}))

    fieldset = page.first("fieldset")
    assert set(fieldset["aria-describedby"].split()) == {
        "id_transport_error",
        "id_transport_helptext",
    }
    assert set(fieldset["aria-describedby"].split()) <= page.ids()
    assert re.search(r"<legend>\s*Transport", html)
    # A label pointing at the group would name no control.
    assert not [a for t, a in page.elements if t == "label" and a.get("for") == "id_transport"]
    assert html.count("<fieldset") == html.count("</fieldset>") == 1


def test_a_field_without_help_or_error_has_no_dangling_description():
    _, page = rendered(Trip())

    assert "aria-describedby" not in page.first("input", name="note")
    assert page.first("select", name="country")["aria-describedby"] == "id_country_helptext"

"""Typed names are tidied one way everywhere, and every letter of the region survives."""

import datetime as dt

import pytest
from django import forms

from lms.ages import ADULT_AGE, age_on, is_minor_on
from lms.names import name_clean, name_required


def test_a_name_keeps_its_letters_and_loses_stray_spaces_and_control_characters():
    assert name_clean("  Þórunn \t Guðmundsdóttir\x07 ") == "Þórunn Guðmundsdóttir"
    assert name_clean("Jānis  Bērziņš", limit=5) == "Jānis"
    assert name_clean(None) == ""


def test_a_form_refuses_a_name_of_only_spaces_with_its_own_words():
    assert name_required(" Søren  Ærø ") == "Søren Ærø"
    with pytest.raises(forms.ValidationError, match="Please enter the full name."):
        name_required(" \t ", message="Please enter the full name.")


def test_ages_count_whole_years_and_a_birth_year_alone_gives_the_younger_age():
    born = dt.date(2012, 2, 29)
    assert age_on(on=dt.date(2030, 2, 28), birth_date=born) == ADULT_AGE - 1
    assert age_on(on=dt.date(2030, 3, 1), birth_date=born) == ADULT_AGE
    assert age_on(on=dt.date(2030, 6, 1), birth_year=2012) == ADULT_AGE - 1
    assert age_on(on=dt.date(2030, 12, 31), birth_year=2012) == ADULT_AGE
    assert is_minor_on(on=dt.date(2030, 2, 28), birth_date=born)
    assert not is_minor_on(on=dt.date(2030, 2, 28), birth_date=None)

"""Verification codes: enough entropy, a typeable alphabet, and forgiving normalisation."""

import re

import pytest

from certificates.verify.codes import (
    ALPHABET,
    BITS,
    code_digest,
    code_is_wellformed,
    code_new,
    code_normalise,
)

SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}")


def test_codes_carry_at_least_128_random_bits():
    assert BITS >= 128
    assert len(ALPHABET) == 32
    code = code_new()
    assert len(code.replace("-", "")) * 5 == BITS


def test_codes_are_grouped_and_leave_out_ambiguous_characters():
    for _ in range(200):
        code = code_new()
        assert SHAPE.fullmatch(code), code
        assert not set(code) & set("ILOU")


def test_every_character_is_used_in_every_position():
    codes = [code_new().replace("-", "") for _ in range(3000)]
    # 3000 draws of 32 symbols leave one unseen with probability ~1e-40 per position.
    for position in (0, 13, 27):
        assert {code[position] for code in codes} == set(ALPHABET)
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    "typed",
    [
        lambda c: c,
        lambda c: c.lower(),
        lambda c: c.replace("-", ""),
        lambda c: c.replace("-", " ").lower(),
        lambda c: f"  {c.replace('-', ' – ')}\n",
        lambda c: " ".join(c.replace("-", "")),
    ],
)
def test_what_people_type_normalises_back_to_the_code(typed):
    code = code_new()
    assert code_normalise(typed(code)) == code
    assert code_is_wellformed(typed(code))


def test_letters_mistaken_for_digits_are_read_as_digits():
    code = "0111-0000-1111-2222-3333-4444-5555"
    assert code_normalise("oIL1-OOOO-iliL-2222-3333-4444-5555") == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ABCD-EFGH",
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6",  # one character too many
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234",  # one too few
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234U",  # U is not in the alphabet
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234*",
        "https://example.org/certificates/verify/",
    ],
)
def test_malformed_text_is_not_a_code(text):
    assert code_normalise(text) is None
    assert not code_is_wellformed(text)
    with pytest.raises(ValueError):
        code_digest(text)


def test_digest_is_the_same_however_the_code_was_typed():
    code = code_new()
    digest = code_digest(code)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert code_digest(code.lower().replace("-", " ")) == digest
    assert code_digest(code_new()) != digest
    assert code not in digest

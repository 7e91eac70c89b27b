"""The detectors: literal tables of what is (and what only looks like) personal data."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mlci.data import detectors
from mlci.data.detectors import DETECTORS, find, mask_text

FOUND = [
    ("mail john.doe@example.com today", "email", "john.doe@example.com"),
    ("a.b+tag@sub.mail.co.uk.", "email", "a.b+tag@sub.mail.co.uk"),
    ("+1 415-555-0123", "phone", "+1 415-555-0123"),
    ("(415) 555-0123", "phone", "(415) 555-0123"),
    ("call 415.555.0123 now", "phone", "415.555.0123"),
    ("+44 20 7946 0958", "phone", "+44 20 7946 0958"),
    ("4242 4242 4242 4242", "card", "4242 4242 4242 4242"),
    ("4111-1111-1111-1111", "card", "4111-1111-1111-1111"),
    ("378282246310005", "card", "378282246310005"),  # Amex, 15 digits
    ("5555555555554444", "card", "5555555555554444"),
    ("DE89 3704 0044 0532 0130 00", "iban", "DE89 3704 0044 0532 0130 00"),
    ("GB82WEST12345698765432 EUR", "iban", "GB82WEST12345698765432"),
    ("ssn 123-45-6789", "ssn", "123-45-6789"),
    ("from 192.168.1.10:", "ipv4", "192.168.1.10"),
    ("2001:db8::1", "ipv6", "2001:db8::1"),
    ("fe80::1ff:fe23:4567:890a", "ipv6", "fe80::1ff:fe23:4567:890a"),
    ("-----BEGIN RSA PRIVATE KEY-----", "private_key", "-----BEGIN RSA PRIVATE KEY-----"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "private_key",
     "-----BEGIN OPENSSH PRIVATE KEY-----"),
    ("key=AKIAIOSFODNN7EXAMPLE", "cloud_key", "AKIAIOSFODNN7EXAMPLE"),
    ("AIzaSyA-1234567890abcdefghijklmnopqrstu", "cloud_key",
     "AIzaSyA-1234567890abcdefghijklmnopqrstu"),
    ("token ghp_" + "a1B2" * 9, "token", "ghp_" + "a1B2" * 9),
    ("glpat-abcdefghij0123456789", "token", "glpat-abcdefghij0123456789"),
    ("xoxb-123456789012-abcdefghij", "token", "xoxb-123456789012-abcdefghij"),
]


@pytest.mark.parametrize(("text", "kind", "value"), FOUND)
def test_each_kind_is_found(text: str, kind: str, value: str) -> None:
    assert (kind, value) in find(text)


LOOK_ALIKES = [
    "4242424242424241",  # a card number with a wrong Luhn digit
    "4242 4242 4242 4243",
    "9999999999999995",  # Luhn-valid, but no card network starts with 9
    "order 1234567890123456",  # an id of card length (Luhn-invalid)
    "DE89370400440532013001",  # an IBAN with a wrong check
    "XX89370400440532013000",  # no such country
    "000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567",  # impossible SSNs
    "256.1.1.1", "1.2.3.04", "2024.01.02.03",
    "12:30:45", "00:1a:2b:3c:4d:5e",  # a time, a MAC address
    "123-456-7890", "1234567-8901", "4155550123",  # a bad area code, odd grouping, bare digits
    "+12", "3.14159", "2024-01-15", "v1.2.3", "12345", "-1234.5678",
    "user@localhost", "@handle", "AKIA1234", "ghp_short",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_found(text: str) -> None:
    assert find(text) == []
    assert mask_text(text) is None


@pytest.mark.parametrize(("text", "masked"), [
    ("john.doe@example.com", "j***@e***.com"),
    ("4242 4242 4242 4242", "**** **** **** 4242"),
    ("4242424242424242", "**** **** **** 4242"),
    ("+1 415-555-0123", "+* ***-***-**23"),
    ("DE89 3704 0044 0532 0130 00", "DE** **** **** **** ***0 00"),
    ("123-45-6789", "***-**-6789"),
    ("192.168.1.10", "192.*.*.*"),
    ("2001:db8::1", "2001:*::*"),
    ("AKIAIOSFODNN7EXAMPLE", "AKIA***"),
    ("ghp_" + "x" * 36, "ghp_***"),
    ("write to john.doe@example.com or 555-12-3456", "write to j***@e***.com or ***-**-3456"),
])
def test_masks_keep_no_value(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(("digits", "valid"), [
    ("4242424242424242", True), ("79927398713", True), ("0", True),
    ("4242424242424241", False), ("79927398710", False),
])
def test_luhn(digits: str, valid: bool) -> None:
    assert detectors.luhn(digits) is valid


@pytest.mark.parametrize(("iban", "valid"), [
    ("DE89370400440532013000", True), ("GB82WEST12345698765432", True),
    ("NL91ABNA0417164300", True), ("DE88370400440532013000", False),
])
def test_mod97(iban: str, valid: bool) -> None:
    assert detectors.mod97(iban) is valid


@pytest.mark.parametrize("detector", [d for d in DETECTORS if d.check is None],
                         ids=lambda d: d.kind)
def test_re2_and_python_agree_on_pattern_only_kinds(detector: detectors.Detector) -> None:
    """The scan matches these kinds in RE2 (pyarrow), masks and free text in Python."""
    texts = [text for text, _, _ in FOUND] + LOOK_ALIKES
    first = pc.extract_regex(pa.array(texts), detector.re2).flatten()[0].to_pylist()
    assert first == [(detectors.values(detector, t) or [None])[0] for t in texts]


def test_the_prefilter_sees_every_finding() -> None:
    texts = [text for text, _, _ in FOUND]
    assert all(pc.match_substring_regex(pa.array(texts), detectors.PREFILTER).to_pylist())

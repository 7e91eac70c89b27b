"""What personal data and secrets look like: one table of (kind, pattern, check, mask). Pure.

Each detector's `core` is a regular expression both RE2 (pyarrow.compute, vectorised over a
column) and Python's `re` understand: ASCII classes only, no look-around; `before`/`after` are
characters that must not touch a value. Most kinds are exact patterns (octet ranges, area
codes, digit counts are spelled out), so whole columns are judged in RE2; card numbers, IBANs
and IPv6 addresses also need a `check` (Luhn, mod-97, a parser) that Python runs once per
distinct candidate: a look-alike number is a candidate, never a finding. `mask` shows a finding
without its value (`j***@e***.com`, `**** **** **** 4242`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["email", "phone", "card", "iban", "ssn", "ipv4", "ipv6", "private_key",
               "cloud_key", "token"]


@dataclass(frozen=True)
class Detector:
    """One kind of finding: candidates by pattern, kept by `check`, shown by `mask`."""

    kind: Kind
    label: str  # for people: "e-mail addresses"
    core: str  # the value itself (RE2 and Python syntax)
    before: str  # a character class (without brackets) that must not precede the value
    after: str  # ... nor follow it
    mask: Callable[[str], str]
    check: Callable[[str], str | None] | None = None  # the value (maybe trimmed) or None
    secret: bool = False  # one finding is enough: a credential is never data
    found: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        before = f"(?<![{self.before}])" if self.before else ""
        after = f"(?![{self.after}])" if self.after else ""
        object.__setattr__(self, "found", re.compile(f"{before}(?:{self.core}){after}"))

    @property
    def re2(self) -> str:
        """The first value in a text as RE2 group `m` (RE2 has no look-around)."""
        before = f"(?:^|[^{self.before}])" if self.before else ""
        after = f"(?:$|[^{self.after}])" if self.after else ""
        return f"{before}(?P<m>{self.core}){after}"


def values(detector: Detector, text: str) -> list[str]:
    """Every value of `detector`'s kind in `text` that passes its check (pure)."""
    found = [m.group() for m in detector.found.finditer(text)]
    if detector.check is None:
        return found
    kept = (detector.check(value) for value in found)
    return [value for value in kept if value is not None]


def find(text: str) -> list[tuple[Kind, str]]:
    """Every finding in `text`, as (kind, value), detectors in table order (pure)."""
    return [(d.kind, value) for d in DETECTORS for value in values(d, text)]


def mask_text(text: str) -> str | None:
    """`text` with each finding masked, or None when it holds none (pure)."""
    found = [(d, value) for d in DETECTORS for value in values(d, text)]
    for detector, value in found:
        text = text.replace(value, detector.mask(value))
    return text if found else None


def by_kind(kind: str) -> Detector:
    """The detector of `kind`."""
    return next(d for d in DETECTORS if d.kind == kind)


# ---- checks -------------------------------------------------------------------------------


def luhn(digits: str) -> bool:
    """The Luhn checksum of payment card numbers (pure)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


# issuer prefixes (IIN) of the major card networks: a Luhn-valid number outside them is an id
_CARD_PREFIXES = re.compile(
    r"4|5[1-5]|2(?:2[2-9][1-9]|2[3-9]|[3-6]|7[01]|720)|3[47]|3(?:0[0-5]|[68])|6(?:011|5|4[4-9])"
    r"|35(?:2[89]|[3-8])|62")


def card(candidate: str) -> str | None:
    digits = re.sub(r"[ -]", "", candidate)
    if not 13 <= len(digits) <= 19 or not _CARD_PREFIXES.match(digits):
        return None
    return candidate if luhn(digits) else None


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def mod97(iban: str) -> bool:
    """ISO 13616: the IBAN, its first four characters moved to the end, mod 97 is 1 (pure)."""
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def iban(candidate: str) -> str | None:
    """The IBAN at the start of `candidate` (its country fixes the length), if mod-97 holds."""
    length = IBAN_LENGTHS.get(candidate[:2])
    if length is None:
        return None
    kept, count = [], 0
    for char in candidate:
        if count == length:
            break
        kept.append(char)
        count += char != " "
    compact = "".join(kept).replace(" ", "")
    if len(compact) != length or not mod97(compact):
        return None
    return "".join(kept)


def ipv6(candidate: str) -> str | None:
    if not re.search(r"[0-9A-Fa-f]", candidate):
        return None
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return None
    return candidate


# ---- masks --------------------------------------------------------------------------------


def _stars(text: str, keep_last: int, keep: str = " -.()+/") -> str:
    """Every character except separators and the last `keep_last` ones as `*`."""
    cut = len(text) - keep_last
    return "".join(c if c in keep or i >= cut else "*" for i, c in enumerate(text))


def mask_email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    tld = domain.rsplit(".", 1)[-1]
    return f"{local[:1]}***@{domain[:1]}***.{tld}"


def mask_card(value: str) -> str:
    digits = re.sub(r"[ -]", "", value)
    return "**** " * ((len(digits) - 1) // 4) + digits[-4:]


def mask_iban(value: str) -> str:
    return value[:2] + _stars(value[2:], 4, keep=" ")


def mask_ipv4(value: str) -> str:
    return value.split(".", 1)[0] + ".*.*.*"


def mask_ipv6(value: str) -> str:
    head, sep, rest = value.partition(":")
    return head + sep + re.sub(r"[0-9A-Fa-f]+", "*", rest)


def mask_prefix(value: str) -> str:
    """A credential: its well-known prefix (`ghp_`, `AKIA`), never its secret part."""
    prefix = re.match(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z]+[_-]"
                      r"|[A-Za-z]{3,4}", value)
    return (prefix.group() if prefix else "") + "***"


_WORD = "A-Za-z0-9_"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DETECTORS: tuple[Detector, ...] = (
    Detector("email", "e-mail addresses",
             rf"[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{{0,62}}[A-Za-z0-9_%+-])?@(?:{_LABEL}\.)+"
             r"[A-Za-z]{2,24}", _WORD + ".%+-", _WORD + "-", mask_email),
    Detector("phone", "phone numbers",
             # international (+ country code, 8 to 15 digits), or North American (NANP: area
             # code and exchange start with 2-9) with separators: bare digit runs are ids
             r"\+[1-9](?:[ .-]?\(?[0-9]\)?){7,14}"
             r"|(?:1[ .-]?)?(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4}",
             _WORD + "+.-", _WORD + "-", lambda v: _stars(v, 2)),
    Detector("card", "payment card numbers", r"[0-9](?:[ -]?[0-9]){12,18}",
             _WORD + ".-", _WORD + ".", mask_card, card),
    Detector("iban", "IBANs", r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}", _WORD, "", mask_iban,
             iban),
    Detector("ssn", "US social security numbers",  # area 001-899 but 666, group and serial not 0
             r"(?:00[1-9]|0[1-9][0-9]|[1-578][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])"
             r"-(?:0[1-9]|[1-9][0-9])-(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})",
             _WORD + "-", _WORD + "-", lambda v: "***-**-" + v[-4:]),
    Detector("ipv4", "IPv4 addresses", rf"{_OCTET}(?:\.{_OCTET}){{3}}", _WORD + ".", _WORD,
             mask_ipv4),
    Detector("ipv6", "IPv6 addresses", r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}",
             _WORD + ":", _WORD + ":", mask_ipv6, ipv6),
    Detector("private_key", "private keys",
             r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----", "", "", mask_prefix,
             secret=True),
    Detector("cloud_key", "cloud access keys",
             r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}|AIza[0-9A-Za-z_-]{35}"
             r"|AccountKey=[A-Za-z0-9+/]{86}==", _WORD + "-", _WORD + "-", mask_prefix,
             secret=True),
    Detector("token", "API tokens",
             r"gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}"
             r"|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}"
             r"|[sr]k_live_[A-Za-z0-9]{16,}|npm_[A-Za-z0-9]{36}|pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{16,}"
             r"|sk-ant-[A-Za-z0-9_-]{20,}"
             r"|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
             _WORD + "-", _WORD + "-", mask_prefix, secret=True),
)
# any candidate of any kind: one RE2 pass over a column decides whether to look closer
PREFILTER = "|".join(f"(?:{d.core})" for d in DETECTORS)

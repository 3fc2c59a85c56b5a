"""A scanner for personal data where a record must hold none.

The ledger is public and permanent, so the people in the pictures appear only as
commitments (hashes). :func:`scan_record` walks one record's strings and flags what looks
like an e-mail address, a phone number or a person's name, by where the value sits:

- free text (``description``, ``reason``, ``note``, ``withdrawal``, also inside
  ``corrected``): e-mail, phone and name -- where names slip in;
- ``copyright_owner``: e-mail, phone and name (a warning: it may be a studio, but a
  photographer's own name is personal data, so say so);
- ``name`` (auditor, AI system, publisher) and ``provider``: e-mail and phone only --
  organisations by design, and an auditing firm may be named after people;
- URLs, ``contact``, ``licence``: e-mail only (digits in URLs are ids, not phones);
- hashes, keys, refs, timestamps, vocabulary terms: nothing (fixed formats).

Role addresses (``privacy@``, ``legal@``, ``ledger@`` …) are not personal data and pass.
A name is a common given name followed by a capitalised word that is not an organisation
word (``Jane Doe``, ``Jan de Vries`` is caught by its given name), or an honorific and a
capitalised word (``Dr. Okafor``). Heuristic by nature, so names are warnings; e-mail
addresses and phone numbers are errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from imageledger.errors import Finding, Location, Severity

EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
_PHONES = (
    # international: +CC then 6-14 more digits in groups
    re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.\-]?\(?\d{1,5}\)?){1,6}(?![\w-])"),
    # North American: (415) 555-0134, 415-555-0134, 415.555.0134
    re.compile(r"(?<![\w.-])\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}(?![\w-])"),
    # national with a trunk 0: 020 7946 0958, 06 12 34 56 78, 030-12345678, 07700900123
    re.compile(r"(?<![\w.\-/])0\d{1,4}(?:[\s.\-]?\d{2,8}){1,4}(?![\w\-/])"),
)
_DATE = re.compile(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{4}[./-]\d{2}[./-]\d{2}$")
HONORIFIC = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Frau|Mme|Mlle|Sr|Sra)\.?\s+[A-Z][a-z]+"
)
_PAIR = re.compile(  # a lookahead, so "Call Jane Doe" is tried at "Jane" too
    r"\b(?=([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+((?:(?:van|von|de|der|den|da|di|du|le|la|del|bin|al)"
    r"\s+)*(?:[A-Z]\.\s*)?(?:[A-Z][A-Za-z'’\-]+|[A-Z]\.)))"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ROLE_MAILBOXES = _words(
    """privacy dpo dataprotection data-protection gdpr legal consent consents withdraw
    withdrawal optout opt-out unsubscribe ledger contact info support press media hello
    admin help noreply no-reply compliance talent models casting rights licensing licences
    licenses permissions office team studio newsroom desk editors security abuse
    postmaster webmaster hr jobs sales marketing"""
)

# Common given names across languages; words that are also ordinary English words or
# places (May, Mark, Grace, Rose, Chelsea, Georgia …) are left out on purpose.
GIVEN_NAMES = _words(
    """Aaron Adam Adrian Ahmed Aisha Alan Albert Alejandro Alex Alexander Alexandra Ali
    Alice Alicia Amanda Amelia Amir Amy Ana Andrea Andreas Andrew Angela Anna Anne Anton
    Antonio Arjun Astrid Ava Barbara Beatriz Ben Benjamin Bernd Bianca Brian Bruno Camille
    Carl Carla Carlos Carmen Caroline Catherine Charles Charlotte Chen Chloe Christian
    Christina Christine Christopher Claire Clara Daniel Daniela David Deborah Dennis Diana
    Diego Dimitri Dmitri Elena Elif Elisa Elizabeth Ella Emily Emma Eric Erik Eva Fatima
    Felix Fernando Fiona Francesca Francesco Francisco Freya Gabriel Gabriela George
    Giorgio Giovanni Giulia Greta Hannah Hans Hassan Heinrich Helen Helena Henrik Henry
    Hiroshi Hugo Ian Ines Ingrid Irina Isaac Isabel Isabella Ivan Jakob James Jan Jana
    Jane Javier Jennifer Jens Jessica Joao Johan Johanna John Jonas Jorge Jose Joseph
    Juan Julia Julian Julie Jurgen Karen Karin Katarzyna Kate Katherine Kenji Kevin Klaus
    Laura Lea Leila Lena Leon Linda Lisa Liam Lorenzo Louis Lucas Lucia Luis Luka Lukas
    Magnus Maria Marie Marco Marek Margaret Mariana Marta Martin Mary Mateo Matteo
    Matthew Max Maximilian Mehmet Mei Mia Michael Michelle Miguel Mikael Mohammed Muhammad
    Natalia Nicolas Nina Noah Nora Olga Oliver Olivia Omar Oscar Pablo Paolo Patricia Paul
    Paula Pedro Peter Petra Philipp Pierre Pietro Priya Rachel Rafael Rahul Raj Rebecca
    Ricardo Richard Robert Roberto Ryan Sakura Samuel Sandra Sara Sarah Sebastian Sergei
    Sofia Sophie Stefan Stephanie Steven Susan Sven Takeshi Thomas Tim Tobias Tom Tomas
    Valentina Vanessa Victor Vincent Wei Wolfgang Xavier Yuki Yusuf Zoe"""
)
ORG_WORDS = _words(
    """Ltd Limited LLC LLP Inc Corp Corporation Co Company GmbH AG SA SAS SARL BV NV Oy AB
    AS ApS Srl SpA PLC Plc KK Studio Studios Games Press Agency Media Audit Audits Labs
    Lab Institute Foundation University College Group Holdings Partners Associates
    Assurance Review Consulting Services Systems Technologies Pictures Photography Films
    Archive Archives Museum Library Trust Society Council Agency Network News Collective
    Team Records"""
)

TEXT_FIELDS = frozenset({"description", "reason", "note", "withdrawal"})
ORG_FIELDS = frozenset({"name", "provider"})
PERSON_MAYBE_FIELDS = frozenset({"copyright_owner"})
EMAIL_ONLY_FIELDS = frozenset({"url", "published_urls", "contact", "licence", "domain"})
SKIP_FIELDS = _words(
    """schema publisher seq prev recorded_at admitted_at signatures sha256 hash pdq
    commitment receipt digital_source_type action keys new_key key retire consent ref
    purposes jurisdictions visible machine_readable basis legal_basis method scope
    media_type from until requested_at effective_at compromised_at alg"""
)


def scan_record(data: dict[str, Any]) -> list[Finding]:
    """Findings (``pii-email``, ``pii-phone``, ``pii-name``) for one record's values."""
    findings: list[Finding] = []
    for path, field, value in _strings(data, ""):
        findings.extend(scan_value(value, field=field, path=path))
    return findings


def scan_value(value: str, *, field: str, path: str) -> Iterator[Finding]:
    """Findings for one string at ``path`` whose last element is ``field``."""
    if field in SKIP_FIELDS:
        return
    for match in EMAIL.finditer(value) if "@" in value else ():
        if match.group(1).lower() not in ROLE_MAILBOXES:
            yield _finding(
                "pii-email", f"looks like a personal e-mail address: {match.group(0)!r}", path
            )
    if field in EMAIL_ONLY_FIELDS or value.startswith(("https://", "http://", "mailto:")):
        return
    if field in TEXT_FIELDS or field in ORG_FIELDS or field in PERSON_MAYBE_FIELDS:
        for number in phone_numbers(value):
            yield _finding("pii-phone", f"looks like a phone number: {number!r}", path)
    if field in TEXT_FIELDS or field in PERSON_MAYBE_FIELDS:
        for name in person_names(value):
            yield _finding("pii-name", f"looks like a person's name: {name!r}", path, warn=True)


def phone_numbers(text: str) -> list[str]:
    found = []
    for pattern in _PHONES:
        for match in pattern.finditer(text):
            number = match.group(0).strip()
            digits = sum(c.isdigit() for c in number)
            if 7 <= digits <= 15 and not _DATE.match(number) and number not in found:
                found.append(number)
    return found


def person_names(text: str) -> list[str]:
    found = [m.group(0) for m in HONORIFIC.finditer(text)]
    for match in _PAIR.finditer(text):
        given, rest = match.group(1), match.group(2)
        family = rest.split()[-1].rstrip(".")
        if given.split("-")[0] in GIVEN_NAMES and family not in ORG_WORDS:
            found.append(f"{given} {rest}")
    return found


def _finding(code: str, message: str, path: str, *, warn: bool = False) -> Finding:
    return Finding(
        code,
        message,
        Location(field=path),
        Severity.WARNING if warn else Severity.ERROR,
        "the ledger is public and permanent: refer to people only by commitment, "
        "to organisations by role addresses",
    )


def _strings(value: Any, path: str, field: str = "") -> Iterator[tuple[str, str, str]]:
    if isinstance(value, str):
        yield path, field, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in SKIP_FIELDS:
                yield from _strings(item, f"{path}.{key}" if path else key, key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]", field)

"""C2SP signed-note: Go's published example, malformed notes, the verification rules."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imageledger.core.keys import PrivateKey, VerifierKey, parse_private_key, parse_verifier_key
from imageledger.errors import RecordError, VerificationError
from imageledger.log.note import (
    MAX_SIGNATURES,
    NoteSignature,
    add_signatures,
    format_note,
    parse_note,
    sign_note,
    verify_note,
)
from support import go_note_example

# The example in the package comment of golang.org/x/mod/sumdb/note (note.go).
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = go_note_example()["private_key"]
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6"
    "KE6RyyBwJnAM=\n"
)
GO_ENOCH = (  # the second signature of the same example, by a key we are not given
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WW"
    "d1RvMc+QQ=\n"
)
GO_NOTE = (GO_TEXT + "\n" + GO_SIG).encode()
PETER = parse_verifier_key(GO_VKEY)

ALICE = PrivateKey("alice.example/log", bytes(range(32)))
BOB = PrivateKey("bob.example/witness", bytes(range(1, 33)))


def test_go_example_signs_byte_for_byte() -> None:
    assert sign_note(GO_TEXT, parse_private_key(GO_SKEY)) == GO_NOTE


def test_go_example_verifies() -> None:
    note = verify_note(GO_NOTE, [PETER])
    assert note.text == GO_TEXT
    assert note.verified_by == (PETER,)
    assert note.verified[0].ref == "PeterNeumann+c74f20a3"
    assert note.unverified == ()


def test_unknown_keys_are_set_aside() -> None:
    note = verify_note(GO_NOTE + GO_ENOCH.encode() + GO_ENOCH.encode(), [PETER])
    assert [s.name for s in note.unverified] == ["EnochRoot"]  # repeated line counted once
    assert note.verified_by == (PETER,)


def test_a_note_signed_only_by_unknown_keys_is_refused() -> None:
    with pytest.raises(VerificationError) as e:
        verify_note(GO_NOTE, [ALICE.verifier])
    assert e.value.code == "note-unverified"
    with pytest.raises(VerificationError):
        verify_note(GO_NOTE, [])


def test_name_or_id_alone_does_not_make_a_key_known() -> None:
    same_name = VerifierKey("PeterNeumann", ALICE.verifier.public)  # different key id
    other = sign_note(GO_TEXT, PrivateKey("PeterNeumann", bytes(range(32))))
    forged_id = other.replace(
        other.split(b" ")[-1],
        base64.b64encode(PETER.key_id + b"\0" * 64) + b"\n",
    ).replace(b"PeterNeumann", b"PeterNeuman")
    with pytest.raises(VerificationError) as e:
        verify_note(forged_id, [PETER])  # same id, other name: ignored, so nothing verified
    assert e.value.code == "note-unverified"
    with pytest.raises(VerificationError):
        verify_note(other, [PETER])  # same name, other id: ignored as well
    assert verify_note(other, [same_name]).verified_by == (same_name,)


def test_a_bad_signature_from_a_known_key_rejects_the_note() -> None:
    tampered = GO_NOTE.replace(b"cryptography", b"cryptograph!")
    with pytest.raises(VerificationError) as e:
        verify_note(tampered, [PETER])
    assert e.value.code == "note-signature-invalid"
    # ... even when another known key signed it properly.
    both = add_signatures(tampered, ALICE)
    with pytest.raises(VerificationError):
        verify_note(both, [PETER, ALICE.verifier])
    assert verify_note(both, [ALICE.verifier]).verified_by == (ALICE.verifier,)


def test_wrong_length_signature_from_known_key() -> None:
    short = (
        GO_TEXT + "\n— PeterNeumann " + base64.b64encode(PETER.key_id + b"x").decode()
    ).encode()
    with pytest.raises(VerificationError):
        verify_note(short + b"\n", [PETER])


def test_ambiguous_known_keys() -> None:
    with pytest.raises(VerificationError) as e:
        verify_note(GO_NOTE, [PETER, parse_verifier_key(GO_VKEY)])
    assert e.value.code == "note-key-ambiguous"


def test_signature_limit() -> None:
    filler = "".join(
        NoteSignature(f"w{i}", b"\0\0\0\0", b"\1" * 64).line for i in range(MAX_SIGNATURES - 1)
    )
    assert verify_note(GO_NOTE + filler.encode(), [PETER]).verified_by == (PETER,)
    extra = NoteSignature("one-too-many", b"\0\0\0\0", b"\1").line.encode()
    with pytest.raises(RecordError) as e:
        verify_note(GO_NOTE + filler.encode() + extra, [PETER])
    assert e.value.code == "note-malformed"


def test_repeated_known_signature_counts_once() -> None:
    note = verify_note(GO_NOTE + GO_SIG.encode(), [PETER])
    assert note.verified_by == (PETER,)


SIG = GO_SIG[2:]  # "PeterNeumann <b64>\n" without the em dash
MALFORMED: list[tuple[str, bytes]] = [
    ("not-utf8", GO_TEXT.encode() + b"\xff\n\n" + GO_SIG.encode()),
    ("nul-in-text", b"a\0b\n\n" + GO_SIG.encode()),
    ("tab-in-text", b"a\tb\n\n" + GO_SIG.encode()),
    ("cr-in-text", b"a\r\n\n" + GO_SIG.encode()),
    ("escape-in-signature", GO_NOTE[:-2] + b"\x1b\n"),
    ("no-blank-line", GO_TEXT.encode() + GO_SIG.encode()),
    ("no-signatures", GO_TEXT.encode() + b"\n"),
    ("blank-line-after-signatures", GO_NOTE + b"\n"),
    ("no-final-newline", GO_NOTE[:-1]),
    ("hyphen-not-em-dash", GO_TEXT.encode() + b"\n- " + SIG.encode()),
    ("en-dash", GO_TEXT.encode() + "\n– ".encode() + SIG.encode()),
    ("no-space-after-dash", GO_TEXT.encode() + "\n—".encode() + SIG.encode()),
    ("two-spaces", GO_TEXT.encode() + "\n—  ".encode() + SIG.encode()),
    ("unpadded-base64", GO_NOTE.replace(b"AM=\n", b"AM\n")),
    ("bad-base64", GO_NOTE.replace(b"x08go", b"x08g!")),
    ("space-in-base64", GO_NOTE.replace(b"x08go", b"x08 go")),
    ("signature-too-short", GO_TEXT.encode() + "\n— PeterNeumann AAAAAA==\n".encode()),
    ("empty-signature", GO_TEXT.encode() + "\n— PeterNeumann \n".encode()),
    ("plus-in-name", GO_NOTE.replace(b"PeterNeumann", b"Peter+Neumann")),
    ("nbsp-in-name", GO_NOTE.replace(b"PeterNeumann", "Peter\u00a0Neumann".encode())),
    ("text-line-after-signature", GO_NOTE + b"hello\n"),
    ("over-1-MiB", b"x" * (1 << 20) + GO_NOTE),
]


@pytest.mark.parametrize(("name", "data"), MALFORMED, ids=[n for n, _ in MALFORMED])
def test_malformed_notes_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(RecordError) as e:
        parse_note(data)
    assert e.value.code == "note-malformed"
    with pytest.raises(RecordError):
        verify_note(data, [PETER])


def test_text_may_contain_blank_lines_and_dashes() -> None:
    text = "first\n\n— not a signature\n\nlast\n"
    signed = sign_note(text, ALICE)
    assert verify_note(signed, [ALICE.verifier]).text == text


@pytest.mark.parametrize(
    "text", ["no newline", "tab\there\n", "", "bell\a\n"], ids=["no-nl", "tab", "empty", "bell"]
)
def test_sign_refuses_bad_text(text: str) -> None:
    with pytest.raises(RecordError):
        sign_note(text, ALICE)


def test_add_signatures_keeps_and_replaces() -> None:
    signed = add_signatures(GO_NOTE + GO_ENOCH.encode(), ALICE)
    parsed = parse_note(signed)
    assert [s.name for s in parsed.signatures] == ["PeterNeumann", "EnochRoot", ALICE.name]
    again = add_signatures(signed, ALICE, BOB)
    assert [s.name for s in parse_note(again).signatures] == [
        "PeterNeumann",
        "EnochRoot",
        ALICE.name,
        BOB.name,
    ]
    note = verify_note(again, [PETER, ALICE.verifier, BOB.verifier])
    assert note.verified_by == (PETER, ALICE.verifier, BOB.verifier)


def test_format_note_round_trips() -> None:
    parsed = parse_note(GO_NOTE)
    assert format_note(parsed.text, parsed.signatures) == GO_NOTE
    with pytest.raises(RecordError):
        format_note(GO_TEXT, [])


lines = st.text(alphabet=st.characters(min_codepoint=0x20, exclude_categories=("Cs",)), max_size=40)


@given(st.lists(lines, min_size=1, max_size=5))
def test_sign_then_verify_then_tamper(text_lines: list[str]) -> None:
    text = "\n".join(text_lines) + "\n"
    signed = sign_note(text, ALICE, BOB)
    note = verify_note(signed, [BOB.verifier])
    assert note.text == text
    assert [s.name for s in note.unverified] == [ALICE.name]
    tampered = ("X" + text).encode() + signed[len(text.encode()) :]
    with pytest.raises(VerificationError):
        verify_note(tampered, [ALICE.verifier])

"""Signed-note keys and record signatures against published and pinned values."""

from __future__ import annotations

import base64

import pytest

from imageledger.core import canonical
from imageledger.core.keys import (
    demo_key,
    format_private_key,
    format_verifier_key,
    key_id,
    parse_private_key,
    parse_verifier_key,
)
from imageledger.core.records import UnverifiedRecord, sign, verify_signature
from imageledger.errors import RecordError, VerificationError
from support import go_note_example

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = go_note_example()["private_key"]


def test_go_note_example_key_pair_parses_and_its_key_id_recomputes() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    private = parse_private_key(GO_SKEY)
    assert key_id("PeterNeumann", verifier.public).hex() == "c74f20a3"
    assert private.verifier == verifier
    assert format_verifier_key(verifier) == GO_VKEY
    assert format_private_key(private) == GO_SKEY


def test_go_note_example_signature_is_reproduced() -> None:
    text = (
        b"If you think cryptography is the answer to your problem,\n"
        b"then you don't know what your problem is.\n"
    )
    private = parse_private_key(GO_SKEY)
    sig = private.sign(text)
    line = base64.b64encode(private.verifier.key_id + sig).decode()
    assert line == (
        "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
        "pRZb6KE6RyyBwJnAM="
    )
    private.verifier.verify(text, sig)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param(GO_SKEY, "key-private-given", id="private-given-as-verifier"),
        pytest.param(
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "key-id-mismatch",
            id="wrong-key-id",
        ),
        pytest.param("PeterNeumann+c74f20a3+AhpccQ", "key-malformed", id="short"),
        pytest.param(
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "key-malformed",
            id="space-in-name",
        ),
        pytest.param("PeterNeumann+c74f20a3+!!!", "key-malformed", id="not-base64"),
    ],
)
def test_bad_verifier_keys_are_refused(text: str, code: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_verifier_key(text)
    assert info.value.code == code


def test_verifier_key_given_as_private_key_is_refused() -> None:
    with pytest.raises(RecordError) as info:
        parse_private_key(GO_VKEY)
    assert info.value.code == "key-not-private"


def test_demo_keys_must_say_demo() -> None:
    with pytest.raises(RecordError):
        demo_key("example.com/real")
    assert "DEMO" in demo_key("x-DEMO").name


RECORD = {
    "schema": "imageledger/retraction/v1",
    "publisher": "example",
    "seq": 2,
    "prev": "sha256:" + "00" * 32,
    "recorded_at": "2026-01-02T03:04:05Z",
    "ref": "example/1",
    "reason": "Taken down.",
    "effective_at": "2026-01-02T00:00:00Z",
}


def test_record_signature_with_fixed_seed_is_pinned() -> None:
    key = demo_key("example.com/test-DEMO")
    signed = sign(RECORD, key)
    record = UnverifiedRecord.from_dict(signed)
    assert canonical.signing_message(signed).startswith(b'imageledger/record/v1\n{"effective_at"')
    assert signed["signatures"] == [
        {
            "key": "example.com/test-DEMO+" + key.verifier.key_id.hex(),
            "sig": PINNED_SIG,
        }
    ]
    assert record.hash == PINNED_HASH
    verify_signature(record, key.verifier)


def test_signature_by_another_key_does_not_verify() -> None:
    record = UnverifiedRecord.from_dict(sign(RECORD, demo_key("a-DEMO")))
    with pytest.raises(VerificationError):
        verify_signature(record, demo_key("b-DEMO").verifier)


# The message spelled out by hand (RFC 8785: keys sorted, no spaces), the seed from the
# published demo derivation, and the Ed25519 signature (deterministic, RFC 8032) pinned.
PINNED_MESSAGE = (
    b"imageledger/record/v1\n"
    b'{"effective_at":"2026-01-02T00:00:00Z","prev":"sha256:'
    + b"0"
    * 64
    + b'","publisher":"example","reason":"Taken down.","recorded_at":"2026-01-02T03:04:05Z",'
    b'"ref":"example/1","schema":"imageledger/retraction/v1","seq":2}'
)
PINNED_SEED = "e4fdc8c6cd68cee16bc4f3db0da4d6c9ef3e7c8ac01845442eae13585a682c46"
PINNED_SIG = (
    "eZlb9nZ9bPRz+CVcZxpsXolo2svAHhlKg5r2T322Tlo3jnku/AOltItGS40qOyyeNC70Qg+L3My00F83kGdzCA=="
)
PINNED_HASH = "sha256:0b5757f55f991a98cff9ff4a6a9ccc10a4198d76a4af3e17f291cf27a3a357ec"


def test_pinned_message_seed_and_signature_agree_independently() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    assert canonical.signing_message(RECORD) == PINNED_MESSAGE
    assert demo_key("example.com/test-DEMO").seed.hex() == PINNED_SEED
    raw = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(PINNED_SEED)).sign(PINNED_MESSAGE)
    assert base64.b64encode(raw).decode() == PINNED_SIG

"""C2SP tlog-checkpoint and tlog-cosignature: spec examples, strict parsing, signing, witnessing."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imageledger.core.keys import PrivateKey
from imageledger.errors import RecordError, VerificationError
from imageledger.log.checkpoint import (
    Checkpoint,
    Cosigner,
    CosignerKey,
    cosign,
    cosignature_key_id,
    cosignature_message,
    cosignature_timestamp,
    format_checkpoint,
    format_cosigner_key,
    parse_checkpoint,
    parse_cosigner_key,
    sign_checkpoint,
    verify_checkpoint,
    verify_cosignature,
)
from imageledger.log.merkle import leaf_hash
from imageledger.log.note import NoteSignature, add_signatures, parse_note

# The example of c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_NOTE = SPEC_BODY + (
    "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
    "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2"
    "oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)

LOG = PrivateKey("log.example/ledger", bytes(range(32)))
WITNESS = PrivateKey("witness.example/w1", bytes(range(2, 34)))
OTHER_WITNESS = PrivateKey("witness.example/w2", bytes(range(3, 35)))
ORIGIN = "log.example/ledger"
CP = Checkpoint(ORIGIN, 5, leaf_hash(b"root"))
NOW = 1_790_000_000


def test_spec_checkpoint_parses() -> None:
    cp = parse_checkpoint(SPEC_BODY)
    assert (cp.origin, cp.size, cp.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert base64.b64encode(cp.root_hash).decode() == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
    assert format_checkpoint(cp) == SPEC_BODY
    note = parse_note(SPEC_NOTE)
    assert note.text == SPEC_BODY
    assert [s.name for s in note.signatures] == [
        "example.com/behind-the-sofa",
        "witness.example.com/w1",
    ]


def test_spec_cosignature_time() -> None:
    """The spec's example message for this cosignature says ``time 1679315147``."""
    witness_line = parse_note(SPEC_NOTE).signatures[1]
    assert cosignature_timestamp(witness_line) == 1679315147


def test_transparency_dev_vectors() -> None:
    """transparency-dev/formats note/note_cosigv1_test.go."""
    key = parse_cosigner_key("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
    assert key.key_id.hex() == "da77ade7"
    assert format_cosigner_key(key) == (
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    )
    raw = base64.b64decode(
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJ"
        "XORmnFBOBA=="
    )
    assert cosignature_timestamp(NoteSignature("w", raw[:4], raw[4:])) == 1727964367
    ed25519 = base64.b64decode(
        "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY="
    )
    with pytest.raises(RecordError):
        cosignature_timestamp(NoteSignature("w", ed25519[:4], ed25519[4:]))


BAD_KEYS = [
    "remora.n621.de+da77ade8+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  # wrong id
    "remora.n621.de+da77ade7+AevN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  # type 0x01
    "remora.n621.de+da77ade7",
    "remora.n621.de+da77ade7+!!!!",
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmg==",  # short
]


@pytest.mark.parametrize("text", BAD_KEYS, ids=["id", "type", "parts", "base64", "short"])
def test_bad_cosigner_keys(text: str) -> None:
    with pytest.raises(RecordError):
        parse_cosigner_key(text)


ROOT64 = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="
BAD_CHECKPOINTS = [
    ("two-lines", f"o\n{ROOT64}\n"),
    ("no-final-newline", f"o\n1\n{ROOT64}"),
    ("empty-origin", f"\n1\n{ROOT64}\n"),
    ("leading-zero", f"o\n01\n{ROOT64}\n"),
    ("double-zero", f"o\n00\n{ROOT64}\n"),
    ("plus", f"o\n+1\n{ROOT64}\n"),
    ("minus", f"o\n-1\n{ROOT64}\n"),
    ("space", f"o\n 1\n{ROOT64}\n"),
    ("underscore", f"o\n1_0\n{ROOT64}\n"),
    ("arabic-digit", f"o\n\u0663\n{ROOT64}\n"),
    ("too-large", f"o\n9223372036854775808\n{ROOT64}\n"),
    ("hex", f"o\n0x1\n{ROOT64}\n"),
    ("short-root", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n"),
    ("non-canonical-root", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n"),
    ("unpadded-root", "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n"),
    ("blank-extension", f"o\n1\n{ROOT64}\n\next\n"),
    ("trailing-blank-line", f"o\n1\n{ROOT64}\n\n"),
    ("control-char", f"o\t\n1\n{ROOT64}\n"),
    ("not-utf8", b"o\xff\n1\n" + ROOT64.encode() + b"\n"),
]


@pytest.mark.parametrize(("name", "text"), BAD_CHECKPOINTS, ids=[n for n, _ in BAD_CHECKPOINTS])
def test_bad_checkpoints_are_refused(name: str, text: str | bytes) -> None:
    with pytest.raises(RecordError) as e:
        parse_checkpoint(text)
    assert e.value.code == "checkpoint-malformed"


def test_size_zero_and_extensions() -> None:
    cp = parse_checkpoint(f"o\n0\n{ROOT64}\next one\nsecond ext\n")
    assert cp.size == 0
    assert cp.extensions == ("ext one", "second ext")
    assert parse_checkpoint(f"o\n9223372036854775807\n{ROOT64}\n").size == 2**63 - 1


@given(
    st.text(st.characters(min_codepoint=0x20, exclude_categories=("Cs",)), min_size=1),
    st.integers(0, 2**63 - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1), max_size=3
    ),
)
def test_checkpoint_round_trips(origin: str, size: int, root: bytes, ext: list[str]) -> None:
    cp = Checkpoint(origin, size, root, tuple(ext))
    assert parse_checkpoint(format_checkpoint(cp)) == cp
    assert parse_checkpoint(format_checkpoint(cp).encode()) == cp


def test_sign_and_verify_checkpoint() -> None:
    signed = sign_checkpoint(CP, LOG)
    verified = verify_checkpoint(signed, origin=ORIGIN, log_keys=[LOG.verifier])
    assert verified.checkpoint == CP
    assert verified.log_signers == (LOG.verifier,)
    assert verified.cosignatures == ()


def test_wrong_origin_or_signer() -> None:
    signed = sign_checkpoint(CP, LOG)
    with pytest.raises(VerificationError) as e:
        verify_checkpoint(signed, origin="other.example/log", log_keys=[LOG.verifier])
    assert e.value.code == "checkpoint-origin-mismatch"
    only_witness = sign_checkpoint(CP, Cosigner(WITNESS, NOW))
    witness = Cosigner(WITNESS, NOW).verifier
    with pytest.raises(VerificationError) as e:
        verify_checkpoint(
            only_witness, origin=ORIGIN, log_keys=[LOG.verifier], witness_keys=[witness]
        )
    assert e.value.code == "checkpoint-unsigned"


def test_witnessed_checkpoint() -> None:
    signed = add_signatures(
        sign_checkpoint(CP, LOG), Cosigner(WITNESS, NOW), Cosigner(OTHER_WITNESS, NOW + 1)
    )
    w1 = Cosigner(WITNESS, 0).verifier
    verified = verify_checkpoint(
        signed, origin=ORIGIN, log_keys=[LOG.verifier], witness_keys=[w1], now=NOW
    )
    assert [(c.key, c.timestamp) for c in verified.cosignatures] == [(w1, NOW)]
    assert [s.name for s in verified.note.unverified] == [OTHER_WITNESS.name]
    w2 = Cosigner(OTHER_WITNESS, 0).verifier
    with pytest.raises(VerificationError) as e:  # w2 signed a second after "now"
        verify_checkpoint(
            signed, origin=ORIGIN, log_keys=[LOG.verifier], witness_keys=[w1, w2], now=NOW
        )
    assert e.value.code == "cosignature-future"


def test_bad_cosignature_from_known_witness_rejects() -> None:
    signed = add_signatures(sign_checkpoint(CP, LOG), Cosigner(WITNESS, NOW))
    note = parse_note(signed)
    bad_time = NoteSignature(
        note.signatures[1].name,
        note.signatures[1].key_id,
        (NOW + 1).to_bytes(8, "big") + note.signatures[1].signature[8:],
    )
    forged = note.text + "\n" + note.signatures[0].line + bad_time.line
    with pytest.raises(VerificationError) as e:
        verify_checkpoint(
            forged,
            origin=ORIGIN,
            log_keys=[LOG.verifier],
            witness_keys=[Cosigner(WITNESS, 0).verifier],
        )
    assert e.value.code == "note-signature-invalid"


def test_cosign_and_verify_cosignature() -> None:
    body = format_checkpoint(CP)
    sig = cosign(body, WITNESS, time=NOW)
    key = CosignerKey(WITNESS.name, WITNESS.verifier.public)
    assert sig.key_id == cosignature_key_id(WITNESS.name, WITNESS.verifier.public) == key.key_id
    assert sig.key_id != WITNESS.verifier.key_id  # type 0x04, not 0x01
    assert len(sig.signature) == 8 + 64
    assert verify_cosignature(body, sig, key) == NOW
    assert verify_cosignature(body.encode(), sig, key) == NOW
    WITNESS.verifier.verify(cosignature_message(body.encode(), NOW), sig.signature[8:])
    with pytest.raises(VerificationError):
        verify_cosignature(body.replace("\n5\n", "\n6\n"), sig, key)
    with pytest.raises(VerificationError):
        verify_cosignature(
            body, sig, CosignerKey(OTHER_WITNESS.name, OTHER_WITNESS.verifier.public)
        )
    assert cosignature_message(b"x\n", 7) == b"cosignature/v1\ntime 7\nx\n"


def test_plain_key_cannot_verify_a_cosignature() -> None:
    signed = add_signatures(sign_checkpoint(CP, LOG), Cosigner(WITNESS, NOW))
    verified = verify_checkpoint(signed, origin=ORIGIN, log_keys=[LOG.verifier, WITNESS.verifier])
    assert verified.log_signers == (LOG.verifier,)
    assert [s.name for s in verified.note.unverified] == [WITNESS.name]


@pytest.mark.parametrize("time", [-1, 2**63, True], ids=["negative", "too-large", "bool"])
def test_cosignature_time_bounds(time: int) -> None:
    with pytest.raises(RecordError):
        Cosigner(WITNESS, time)


def test_only_checkpoints_are_cosigned() -> None:
    with pytest.raises(RecordError):
        cosign("not\na checkpoint\n", WITNESS, time=NOW)
    assert (
        Cosigner(WITNESS, 2**63 - 1).sign(format_checkpoint(CP).encode())[:8]
        == b"\x7f" + b"\xff" * 7
    )

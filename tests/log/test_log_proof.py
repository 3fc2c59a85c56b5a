"""c2sp.org/tlog-proof@v1: the spec's example, strict parsing, verification against a real log."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imageledger.core.keys import PrivateKey
from imageledger.errors import LedgerError, RecordError, VerificationError
from imageledger.log.checkpoint import Checkpoint, Cosigner, sign_checkpoint
from imageledger.log.hashstore import MemoryHashStore, prove_inclusion
from imageledger.log.merkle import encode_hash, leaf_hash
from imageledger.log.note import add_signatures
from imageledger.log.proof import (
    HEADER,
    TlogProof,
    format_tlog_proof,
    make_tlog_proof,
    parse_tlog_proof,
    verify_tlog_proof,
)

SPEC_EXAMPLE = b"""c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

\xe2\x80\x94 example.com/fancylog hI2DJw[...]1roloI=
\xe2\x80\x94 witness1.example mJirIklj[...]qY9v2B/5bg==
"""

LOG = PrivateKey("log.example/ledger", bytes(range(32)))
WITNESS = PrivateKey("witness.example/w1", bytes(range(2, 34)))
ORIGIN = "log.example/ledger"
ENTRIES = [f'{{"seq":{i}}}'.encode() for i in range(21)]
STORE = MemoryHashStore.from_entries(ENTRIES)
SIGNED = add_signatures(
    sign_checkpoint(Checkpoint(ORIGIN, 21, STORE.root()), LOG), Cosigner(WITNESS, 1_790_000_000)
)


def proof_for(index: int, extra: bytes | None = None) -> bytes:
    return make_tlog_proof(
        index=index,
        proof=prove_inclusion(21, index, STORE),
        signed_checkpoint=SIGNED,
        extra=extra,
    )


def test_spec_example_parses() -> None:
    proof = parse_tlog_proof(SPEC_EXAMPLE)
    assert proof.index == 73894
    assert proof.extra is not None
    assert proof.extra.startswith(b"age-v1.2.1-darwin-arm64.tar.gz")
    assert len(proof.proof) == 5
    assert proof.checkpoint.startswith(b"example.com/fancylog\n109482\n")
    assert format_tlog_proof(proof) == SPEC_EXAMPLE


@pytest.mark.parametrize("index", range(21), ids=lambda i: f"index{i}")
def test_every_entry_verifies(index: int) -> None:
    data = proof_for(index, extra=b"context" if index % 2 else None)
    verified = verify_tlog_proof(
        data,
        ENTRIES[index],
        origin=ORIGIN,
        log_keys=[LOG.verifier],
        witness_keys=[Cosigner(WITNESS, 0).verifier],
    )
    assert verified.index == index
    assert verified.checkpoint.checkpoint.size == 21
    assert [c.timestamp for c in verified.checkpoint.cosignatures] == [1_790_000_000]
    assert verified.extra == (b"context" if index % 2 else None)
    assert data.startswith(HEADER.encode() + b"\n")


def check(data: bytes, entry: bytes) -> None:
    verify_tlog_proof(data, entry, origin=ORIGIN, log_keys=[LOG.verifier])


def test_wrong_entry_index_or_hash_fails() -> None:
    data = proof_for(7)
    check(data, ENTRIES[7])
    with pytest.raises(VerificationError) as e:
        check(data, ENTRIES[8])
    assert e.value.code == "proof-invalid"
    with pytest.raises(VerificationError):
        check(data.replace(b"index 7\n", b"index 6\n"), ENTRIES[7])
    first = encode_hash(prove_inclusion(21, 7, STORE)[0]).encode()
    other = encode_hash(leaf_hash(b"other")).encode()
    with pytest.raises(VerificationError):
        check(data.replace(first, other), ENTRIES[7])
    with pytest.raises(VerificationError):
        check(make_tlog_proof(index=21, proof=[], signed_checkpoint=SIGNED), b"x")
    with pytest.raises(VerificationError):
        verify_tlog_proof(data, ENTRIES[7], origin="elsewhere", log_keys=[LOG.verifier])
    with pytest.raises(VerificationError):
        verify_tlog_proof(data, ENTRIES[7], origin=ORIGIN, log_keys=[WITNESS.verifier])


H64 = encode_hash(leaf_hash(b"h"))
CP = b"o\n1\n" + H64.encode() + b"\n\n\xe2\x80\x94 o AAAAAAA=\n"
BAD = [
    ("wrong-header", b"c2sp.org/tlog-proof@v2\nindex 0\n\n" + CP),
    ("no-index", HEADER.encode() + b"\n" + H64.encode() + b"\n\n" + CP),
    ("leading-zero", HEADER.encode() + b"\nindex 01\n\n" + CP),
    ("negative", HEADER.encode() + b"\nindex -1\n\n" + CP),
    ("index-space", HEADER.encode() + b"\nindex  1\n\n" + CP),
    ("empty-extra", HEADER.encode() + b"\nextra \nindex 0\n\n" + CP),
    ("bad-extra", HEADER.encode() + b"\nextra !!\nindex 0\n\n" + CP),
    ("extra-after-index", HEADER.encode() + b"\nindex 0\nextra AA==\n\n" + CP),
    ("short-hash", HEADER.encode() + b"\nindex 0\n" + H64[:-4].encode() + b"\n\n" + CP),
    ("no-blank-line", HEADER.encode() + b"\nindex 0\n" + CP),
    ("no-checkpoint", HEADER.encode() + b"\nindex 0\n\n"),
    ("non-ascii", HEADER.encode() + b"\nindex \xd9\xa3\n\n" + CP),
    ("crlf", HEADER.encode() + b"\r\nindex 0\n\n" + CP),
    ("too-many-hashes", HEADER.encode() + b"\nindex 0\n" + (H64 + "\n").encode() * 65 + b"\n" + CP),
    ("too-large", HEADER.encode() + b"\nindex 0\n\n" + CP + b"x" * (1 << 20)),
]


@pytest.mark.parametrize(("name", "data"), BAD, ids=[n for n, _ in BAD])
def test_malformed_proofs_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(RecordError) as e:
        parse_tlog_proof(data)
    assert e.value.code == "tlog-proof-malformed"


@pytest.mark.parametrize(
    "args",
    [(-1, (), CP, None), (0, (b"short",), CP, None), (0, (), b"", None), (0, (), CP, b"")],
    ids=["index", "hash", "checkpoint", "extra"],
)
def test_bad_proof_objects(args: tuple[int, tuple[bytes, ...], bytes, bytes | None]) -> None:
    with pytest.raises(LedgerError):
        TlogProof(*args)


@given(
    st.integers(0, 2**63 - 1),
    st.lists(st.binary(min_size=32, max_size=32), max_size=10),
    st.one_of(st.none(), st.binary(min_size=1, max_size=40)),
)
def test_round_trip(index: int, hashes: list[bytes], extra: bytes | None) -> None:
    proof = TlogProof(index, tuple(hashes), CP, extra)
    data = format_tlog_proof(proof)
    assert parse_tlog_proof(data) == proof
    if extra is not None:
        assert b"extra " + base64.b64encode(extra) + b"\n" in data

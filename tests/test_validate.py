"""Whole-ledger validation: the demo passes; every tampering and forgery is caught."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from imageledger import authoring
from imageledger.core import strict_yaml
from imageledger.core.keys import demo_key, format_verifier_key
from imageledger.demo import keys as demo_keys
from imageledger.storage.layout import Layout
from imageledger.validate import validate
from support import ROOT, Run, snapshot

RECORD_FILES = sorted((ROOT / "ledger" / "publishers").glob("*/records/*.yaml"))
ALL_FILES = RECORD_FILES + sorted((ROOT / "ledger" / "publishers").glob("*/publisher.yaml"))


def codes(repo: Path, **kw: object) -> list[tuple[str, str]]:
    result = validate(repo, workers=1, **kw)  # type: ignore[arg-type]
    return [(f.code, f.location.path or "") for f in result.report.errors]


def test_demo_ledger_validates(cli: Callable[..., Run]) -> None:
    run = cli("--repo", str(ROOT), "validate")
    assert run.code == 0, run.out
    assert "ok: 83 records, 4 publishers" in run.out


def test_demo_ledger_validates_in_parallel_with_the_same_result() -> None:
    serial = validate(ROOT, workers=1)
    parallel = validate(ROOT, workers=2)
    assert serial.records == parallel.records == 83
    assert bool(serial.report)
    assert bool(parallel.report)
    assert {p: c.head_hash for p, c in serial.chains.items()} == {
        p: c.head_hash for p, c in parallel.chains.items()
    }


def _mutations(text: str) -> list[tuple[int, str]]:
    """One mutated copy per value line: a character of the value replaced."""
    out = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        _head, sep, value = line.partition(": ")
        if not sep:
            _head, sep, value = line.partition("- ")
        value = value.strip('"')
        if not sep or not value or value.endswith(":"):
            continue
        pos = line.rindex(value[len(value) // 2]) if value else -1
        old = line[pos]
        new = "1" if old == "0" else ("b" if old == "a" else ("0" if old.isdigit() else "a"))
        if old.isupper():
            new = "A" if old != "A" else "B"
        out.append(
            (
                index + 1,
                "\n".join(
                    [*lines[:index], line[:pos] + new + line[pos + 1 :], *lines[index + 1 :]]
                ),
            )
        )
    return out


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: "/".join(p.parts[-3:]))
def test_changing_any_value_character_is_caught_naming_the_file(path: Path, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "ledger", tmp_path / "ledger")
    target = tmp_path / path.relative_to(ROOT)
    rel = path.relative_to(ROOT).as_posix()
    publisher = path.relative_to(ROOT).parts[2]
    original = target.read_text()
    mutations = _mutations(original)
    assert len(mutations) >= 5
    for line, text in mutations:
        target.write_text(text)
        found = codes(tmp_path, publishers=[publisher])
        assert any(p == rel for _c, p in found), f"line {line} of {rel}: {found}"
    target.write_text(original)
    assert codes(tmp_path, publishers=[publisher]) == []


def _sign_next(
    repo: Path,
    publisher: str,
    key_index: int = 0,
    *,
    seq: int | None = None,
    prev: str | None = None,
    key: object = None,
    **body: object,
) -> Path:
    layout = Layout(repo)
    head_seq, head_hash = authoring.chain_head(layout, publisher)
    if body.get("schema") == "imageledger/key-revocation/v1":
        draft = {
            "schema": body["schema"],
            "key": body["key_ref"],
            "reason": "Stolen.",
            "compromised_at": "2026-05-01T00:00:00Z",
        }
    else:
        draft = {
            "schema": "imageledger/retraction/v1",
            "ref": f"{publisher}/1",
            "reason": "Taken down.",
            "effective_at": "2026-11-20T00:00:00Z",
            **body,
        }
    signer = key or demo_keys.publisher(publisher, key_index)
    record = authoring.seal(
        draft,
        publisher=publisher,
        seq=seq or head_seq + 1,
        prev=prev or head_hash,
        recorded_at="2026-11-25T00:00:00Z",
        key=signer,
    )  # type: ignore[arg-type]
    path = layout.record_path(publisher, record["seq"])
    path.write_bytes(authoring.render(record))
    return path


def test_a_good_new_record_validates(ledger_copy: Path) -> None:
    _sign_next(ledger_copy, "northwind", 1, ref="northwind/4")
    assert codes(ledger_copy) == []


@pytest.mark.parametrize(
    ("case", "code"),
    [
        pytest.param("gap", "chain-gap", id="seq-gap"),
        pytest.param("fork", "chain-fork", id="forked-chain"),
        pytest.param("other-publisher-key", "signature-unknown-key", id="other-publishers-key"),
        pytest.param("revoked", "signature-key-revoked", id="after-revocation"),
        pytest.param("retired", "signature-key-retired", id="retired-key"),
        pytest.param("publisher-field", "record-publisher-mismatch", id="publisher-mismatch"),
        pytest.param("wrong-kind-ref", "ref-kind", id="retraction-of-consent"),
        pytest.param("future-ref", "ref-missing", id="reference-to-later-record"),
        pytest.param("foreign-ref", "ref-other-publisher", id="reference-other-publisher"),
    ],
)
def test_forged_or_broken_chains_are_caught(ledger_copy: Path, case: str, code: str) -> None:
    layout = Layout(ledger_copy)
    head_seq, _ = authoring.chain_head(layout, "harbourlight")
    target = layout.record_path("harbourlight", head_seq + 1)
    if case == "gap":
        target = _sign_next(ledger_copy, "harbourlight", 1, seq=head_seq + 2)
    elif case == "fork":
        _sign_next(ledger_copy, "harbourlight", 1, prev="sha256:" + "ab" * 32)
    elif case == "other-publisher-key":
        _sign_next(ledger_copy, "harbourlight", key=demo_keys.publisher("northwind", 1))
    elif case == "revoked":
        _sign_next(ledger_copy, "harbourlight", 0)
    elif case == "retired":
        target = _sign_next(ledger_copy, "northwind", 0, ref="northwind/4")
    elif case == "publisher-field":
        _sign_next(ledger_copy, "northwind", 1, ref="northwind/4").rename(target)
    elif case == "wrong-kind-ref":
        _sign_next(ledger_copy, "harbourlight", 1, ref="harbourlight/4")
    elif case == "future-ref":
        _sign_next(ledger_copy, "harbourlight", 1, ref=f"harbourlight/{head_seq + 5}")
    elif case == "foreign-ref":
        _sign_next(ledger_copy, "harbourlight", 1, ref="northwind/4")
    assert (code, layout.rel(target)) in codes(ledger_copy)


def test_records_signed_after_the_compromise_time_are_flagged(ledger_copy: Path) -> None:
    # Revoke northwind's first (already retired) key as compromised from 2026-05-01: the
    # records it signed after that stay in the chain but become warnings, and the key it
    # alone vouched for afterwards (the rotation at 2026-06-01) is revoked with it.
    layout = Layout(ledger_copy)
    old = demo_keys.publisher("northwind", 0).verifier.ref
    _sign_next(ledger_copy, "northwind", 1, schema="imageledger/key-revocation/v1", key_ref=old)
    result = validate(ledger_copy, workers=1)
    assert bool(result.report), result.report.errors
    flagged = {
        f.location.path for f in result.report.findings if f.code == "record-key-compromised"
    }
    assert layout.rel(layout.record_path("northwind", 9)) in flagged
    assert layout.rel(layout.record_path("northwind", 8)) not in flagged
    assert layout.rel(layout.record_path("northwind", 12)) in flagged
    revoked = result.chains["northwind"].keys[demo_keys.publisher("northwind", 1).verifier.ref]
    assert revoked.compromised_at == "2026-06-01T00:00:00Z"


def test_unadmitted_registration_is_refused(ledger_copy: Path) -> None:
    layout = Layout(ledger_copy)
    key = demo_key("newco.example/key-DEMO")
    data = authoring.registration(
        "newco",
        name="NewCo",
        domain="newco.example",
        contact="mailto:ledger@newco.example",
        keys=[format_verifier_key(key.verifier)],
        admitted_at="2026-11-01T00:00:00Z",
    )
    data = authoring.sign(data, key)
    layout.registration_path("newco").parent.mkdir(parents=True)
    layout.registration_path("newco").write_bytes(authoring.render(data))
    assert ("registration-unadmitted", "ledger/publishers/newco/publisher.yaml") in codes(
        ledger_copy
    )


def test_oversized_record_file_is_refused_without_reading_it(
    ledger_copy: Path, cli: Callable[..., Run]
) -> None:
    path = Layout(ledger_copy).record_path("emberforge", 99)
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    before = snapshot(ledger_copy)
    run = cli("--repo", str(ledger_copy), "validate", "--json")
    assert run.code == 1
    assert '"code": "file-too-large"' in run.out
    assert snapshot(ledger_copy) == before


def test_path_outside_ledger_is_a_usage_finding(ledger_copy: Path, cli: Callable[..., Run]) -> None:
    outside = ledger_copy / "elsewhere.yaml"
    outside.write_text("a: 1\n")
    run = cli("--repo", str(ledger_copy), "validate", str(outside))
    assert run.code == 1
    assert "layout-path" in run.out


def test_stray_file_in_records_folder_is_reported(ledger_copy: Path) -> None:
    (Layout(ledger_copy).records_dir("northwind") / "notes.txt").write_text("hi")
    assert any(c == "layout-unexpected-file" for c, _ in codes(ledger_copy))


def test_validate_path_checks_only_that_publisher(
    ledger_copy: Path, cli: Callable[..., Run]
) -> None:
    broken = Layout(ledger_copy).record_path("emberforge", 3)
    broken.write_text(broken.read_text().replace("texture", "textures"))
    good = Layout(ledger_copy).record_path("northwind", 3)
    assert cli("--repo", str(ledger_copy), "validate", str(good)).code == 0
    run = cli("--repo", str(ledger_copy), "validate", str(broken))
    assert run.code == 1
    assert "ledger/publishers/emberforge/records/000003.yaml" in run.out


def test_registration_round_trip_through_strict_yaml() -> None:
    text = (ROOT / "ledger/publishers/northwind/publisher.yaml").read_bytes()
    assert authoring.render(strict_yaml.parse_canonical(text)) == text


def test_personal_data_in_a_record_is_an_error_that_keeps_the_chain(ledger_copy: Path) -> None:
    layout = Layout(ledger_copy)
    path = _sign_next(
        ledger_copy, "northwind", 1, ref="northwind/4", reason="Model jane.doe@gmail.com asked."
    )
    _sign_next(ledger_copy, "northwind", 1, ref="northwind/4")
    found = codes(ledger_copy)
    assert found == [("pii-email", layout.rel(path))]


def test_validate_cross_checks_images_when_given_them(cli: Callable[..., Run]) -> None:
    from imageledger.demo.images import sample_dir

    run = cli("--repo", str(ROOT), "validate", "--images", str(sample_dir()))
    assert run.code == 0, run.out
    assert "49 image(s) cross-checked" in run.out

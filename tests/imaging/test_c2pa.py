"""C2PA files made here with c2pa-python's Builder and a generated test chain, read back."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time

import pytest
from imaging_fixtures import DST, actions, c2pa_test_chain, noise_png, photo_jpeg, sign_c2pa

from imageledger.imaging.c2pa_read import read_c2pa
from imageledger.imaging.facts import inspect_bytes

TRAINING = {
    "label": "c2pa.training-mining",
    "data": {
        "entries": {
            "c2pa.ai_training": {"use": "notAllowed"},
            "c2pa.ai_generative_training": {"use": "constrained", "constraint_info": "ask"},
            "c2pa.data_mining": {"use": "allowed"},
        }
    },
}
CAWG_TRAINING = {
    "label": "cawg.training-mining",
    "data": {
        "entries": {
            "cawg.ai_training": {"use": "allowed"},
            "cawg.ai_generative_training": {"use": "notAllowed"},
        }
    },
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python-level guard; the native reader has remote fetching switched off as well."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_ai_generated() -> None:
    signed = sign_c2pa(photo_jpeg(), [actions("c2pa.created", "trainedAlgorithmicMedia")])
    facts = read_c2pa(signed, "image/jpeg")
    assert facts.status == "embedded"
    assert facts.validation_state == "Valid"
    assert facts.valid
    assert facts.failure_codes == ()
    assert facts.trust == "untrusted"  # validity and trust are reported apart
    assert facts.digital_source_types == (DST + "trainedAlgorithmicMedia",)
    assert facts.actions == ("c2pa.created",)
    assert facts.signer == "Test Signer"


def test_trusted_with_anchor() -> None:
    signed = sign_c2pa(photo_jpeg(), [actions("c2pa.created", "trainedAlgorithmicMedia")])
    facts = read_c2pa(signed, "image/jpeg", trust_anchors=c2pa_test_chain().root.decode())
    assert (facts.validation_state, facts.trust, facts.valid) == ("Trusted", "trusted", True)


def test_edited_png() -> None:
    edit = {
        "action": "c2pa.edited",
        "digitalSourceType": DST + "compositeWithTrainedAlgorithmicMedia",
        "parameters": {"ingredientIds": ["parent"]},
    }
    opened = {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}}
    signed = sign_c2pa(
        noise_png(1),
        [{"label": "c2pa.actions", "data": {"actions": [opened, edit]}}],
        media_type="image/png",
        parent=noise_png(2),
    )
    facts = read_c2pa(signed, "image/png")
    assert facts.valid, facts.failure_codes
    assert facts.actions == ("c2pa.opened", "c2pa.edited")
    assert facts.digital_source_types == (DST + "compositeWithTrainedAlgorithmicMedia",)


def test_training_mining_c2pa_and_cawg() -> None:
    signed = sign_c2pa(
        photo_jpeg(), [actions("c2pa.created", "digitalCapture"), TRAINING, CAWG_TRAINING]
    )
    facts = read_c2pa(signed, "image/jpeg")
    assert facts.valid
    assert dict(facts.training_mining) == {
        "c2pa.ai_training": "notAllowed",
        "c2pa.ai_generative_training": "constrained",
        "c2pa.data_mining": "allowed",
        "cawg.ai_training": "allowed",
        "cawg.ai_generative_training": "notAllowed",
    }
    # constrained counts as not allowed; data mining is not training
    assert set(facts.training_not_allowed) == {
        "c2pa.ai_training",
        "c2pa.ai_generative_training",
        "cawg.ai_generative_training",
    }


def test_tampered_after_signing() -> None:
    signed = sign_c2pa(photo_jpeg(), [actions("c2pa.created", "digitalCapture")])
    at = signed.rfind(b"\xff\xd9") - 50  # inside the entropy-coded pixels
    tampered = signed[:at] + bytes([signed[at] ^ 0x5A]) + signed[at + 1 :]
    facts = read_c2pa(tampered, "image/jpeg")
    assert facts.status == "embedded"
    assert facts.validation_state == "Invalid"
    assert not facts.valid
    assert "assertion.dataHash.mismatch" in facts.failure_codes
    assert "signingCredential.untrusted" not in facts.failure_codes  # that is trust


def test_remote_only_manifest_without_network() -> None:
    url = "https://manifests.example.invalid/m.c2pa"
    signed = sign_c2pa(photo_jpeg(), [actions("c2pa.created", "digitalCapture")], remote_url=url)
    start = time.monotonic()
    facts = read_c2pa(signed, "image/jpeg")
    assert time.monotonic() - start < 5
    assert facts.status == "remote-only"
    assert facts.remote_url == url
    assert facts.validation_state is None
    assert not facts.valid


def test_no_manifest() -> None:
    assert read_c2pa(photo_jpeg(), "image/jpeg").status == "absent"


def test_malformed_manifest_is_reported_not_raised() -> None:
    signed = sign_c2pa(photo_jpeg(), [actions("c2pa.created", "digitalCapture")])
    at = signed.find(b"jumb") + 40  # inside the JUMBF boxes
    broken = signed[:at] + b"\xff" * 16 + signed[at + 16 :]
    facts = read_c2pa(broken, "image/jpeg")
    assert facts.status in ("error", "embedded")
    assert not facts.valid


def test_inspect_reads_both() -> None:
    signed = sign_c2pa(photo_jpeg(), [actions("c2pa.created", "trainedAlgorithmicMedia")])
    facts = inspect_bytes(signed)
    assert facts.identity.media_type == "image/jpeg"
    assert facts.c2pa.digital_source_types == (DST + "trainedAlgorithmicMedia",)
    assert facts.to_json()["c2pa"]["trust"] == "untrusted"


def test_oversized_file_is_reported_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from imageledger.core import limits

    monkeypatch.setattr(limits, "MAX_C2PA_BYTES", 100)
    facts = read_c2pa(photo_jpeg(), "image/jpeg")
    assert facts.status == "error"
    assert "larger than 100 bytes" in facts.error


@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare is not installed")
def test_remote_only_in_a_network_namespace_without_any_network(tmp_path) -> None:
    """The native reader too: in a namespace with no network at all, the answer is the same."""
    url = "https://manifests.example.invalid/m.c2pa"
    path = tmp_path / "remote.jpg"
    path.write_bytes(
        sign_c2pa(photo_jpeg(), [actions("c2pa.created", "digitalCapture")], remote_url=url)
    )
    code = (
        "import json, sys, pathlib\n"
        "from imageledger.imaging.c2pa_read import read_c2pa\n"
        "facts = read_c2pa(pathlib.Path(sys.argv[1]).read_bytes(), 'image/jpeg')\n"
        "print(json.dumps(facts.to_json()))\n"
    )
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here")
    run = subprocess.run(
        ["unshare", "--net", sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    facts = json.loads(run.stdout)
    assert (facts["status"], facts["remote_url"], facts["valid"]) == ("remote-only", url, False)

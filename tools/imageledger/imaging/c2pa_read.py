"""The C2PA manifest store of an image, read with c2pa-python and no network access.

Remote manifest fetching and OCSP fetching are switched off, so reading never contacts
anyone: a file whose manifest is only referenced by URL is reported as ``remote-only``
with that URL, unverified.

Validity and trust are reported apart. ``valid`` means the claim signature and every
hard binding hold (validation state ``Valid`` or ``Trusted``); ``trust`` says whether
the signing certificate chains to an anchor the caller supplied (``trusted``), does not
(``untrusted``: c2pa's ``signingCredential.untrusted``), or could not be judged. Without
``trust_anchors`` no signer is trusted: this tool ships no trust list.

Assertions read from the active manifest: ``c2pa.actions`` (v1 and v2) with their
``digitalSourceType``, and ``c2pa.training-mining`` / ``cawg.training-mining`` entries,
where ``constrained`` is treated like ``notAllowed`` (the constraint cannot be checked).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from imageledger.core import limits
from imageledger.errors import RecordError
from imageledger.vocab import normalize_digital_source_type

__all__ = ["C2paFacts", "read_c2pa"]

Status = Literal["absent", "embedded", "remote-only", "error"]
Trust = Literal["trusted", "untrusted", "unknown"]

TRUST_CODES = frozenset({"signingCredential.untrusted", "signingCredential.trusted"})
TRAINING_USES = ("ai_training", "ai_generative_training")
_SETTINGS: dict[str, Any] = {
    "verify": {
        "remote_manifest_fetch": False,
        "ocsp_fetch": False,
        "verify_trust": True,
    },
}
_REMOTE = re.compile(r"remote manifests? from url (\S+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class C2paFacts:
    status: Status
    validation_state: str | None = None
    """c2pa's ``Invalid`` / ``Valid`` / ``Trusted``; None when nothing was validated."""
    failure_codes: tuple[str, ...] = ()
    """Validity failures (trust codes are in ``trust``, not here)."""
    trust: Trust = "unknown"
    remote_url: str | None = None
    digital_source_types: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    training_mining: tuple[tuple[str, str], ...] = ()
    """``(entry, use)`` pairs such as ``("c2pa.ai_training", "notAllowed")``."""
    claim_generator: str | None = None
    signer: str | None = None
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.validation_state in ("Valid", "Trusted")

    @property
    def training_not_allowed(self) -> tuple[str, ...]:
        """Training entries whose use is ``notAllowed`` or ``constrained``."""
        return tuple(
            entry
            for entry, use in self.training_mining
            if entry.split(".", 1)[-1] in TRAINING_USES and use in ("notAllowed", "constrained")
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "validation_state": self.validation_state,
            "valid": self.valid,
            "failure_codes": list(self.failure_codes),
            "trust": self.trust,
            "remote_url": self.remote_url,
            "digital_source_types": list(self.digital_source_types),
            "actions": list(self.actions),
            "training_mining": dict(self.training_mining),
            "claim_generator": self.claim_generator,
            "signer": self.signer,
            "error": self.error,
        }


def read_c2pa(data: bytes, media_type: str, *, trust_anchors: str | None = None) -> C2paFacts:
    """Read and validate the manifest store of an image given as its bytes.

    ``trust_anchors`` is PEM text of the root certificates to trust. A malformed manifest
    is reported (``status="error"``), not raised, so the rest of an inspection stands.
    """
    import c2pa

    if len(data) > limits.MAX_C2PA_BYTES:
        return C2paFacts("error", error=f"not read: larger than {limits.MAX_C2PA_BYTES} bytes")
    settings = dict(_SETTINGS)
    if trust_anchors:
        settings["trust"] = {"user_anchors": trust_anchors}
    try:
        context = c2pa.Context.from_dict(settings)
        with c2pa.Reader(media_type, io.BytesIO(data), None, context) as reader:
            store = json.loads(reader.json())
            remote = None if reader.is_embedded() else reader.get_remote_url()
    except c2pa.C2paError as e:
        text = str(e)
        if type(e).__name__.endswith("ManifestNotFound") or "ManifestNotFound" in text:
            return C2paFacts("absent")
        match = _REMOTE.search(text)
        if match or text.startswith("Remote"):
            return C2paFacts("remote-only", remote_url=match.group(1) if match else None)
        return C2paFacts("error", error=text.splitlines()[0][:300] if text else type(e).__name__)
    return _facts(store, remote)


def _facts(store: dict[str, Any], remote: str | None) -> C2paFacts:
    state = store.get("validation_state")
    failures: list[str] = []
    results = store.get("validation_results") or {}
    for part in (results.get("activeManifest") or {}, *(results.get("ingredientDeltas") or ())):
        status = part.get("validationDeltas", part) if isinstance(part, dict) else {}
        failures.extend(f.get("code", "") for f in status.get("failure", ()) if isinstance(f, dict))
    if not results:
        failures.extend(s.get("code", "") for s in store.get("validation_status") or ())
    trust: Trust = "unknown"
    if state == "Trusted":
        trust = "trusted"
    elif "signingCredential.untrusted" in failures:
        trust = "untrusted"
    manifest = (store.get("manifests") or {}).get(store.get("active_manifest") or "", {})
    sources: list[str] = []
    actions: list[str] = []
    training: list[tuple[str, str]] = []
    for assertion in manifest.get("assertions") or ():
        label, body = assertion.get("label", ""), assertion.get("data") or {}
        if re.fullmatch(r"c2pa\.actions(\.v\d+)?", label):
            for action in body.get("actions") or ():
                actions.append(str(action.get("action")))
                if isinstance(action.get("digitalSourceType"), str):
                    sources.append(_dst(action["digitalSourceType"]))
        elif re.fullmatch(r"(c2pa|cawg)\.training-mining(\.v\d+)?", label):
            for entry, value in sorted((body.get("entries") or {}).items()):
                use = value.get("use") if isinstance(value, dict) else None
                training.append((entry, str(use)))
    generator = manifest.get("claim_generator") or next(
        (g.get("name") for g in manifest.get("claim_generator_info") or () if isinstance(g, dict)),
        None,
    )
    signature = manifest.get("signature_info") or {}
    return C2paFacts(
        "embedded" if remote is None else "remote-only",
        validation_state=state,
        failure_codes=tuple(c for c in dict.fromkeys(failures) if c and c not in TRUST_CODES),
        trust=trust,
        remote_url=remote,
        digital_source_types=tuple(dict.fromkeys(sources)),
        actions=tuple(actions),
        training_mining=tuple(training),
        claim_generator=generator,
        signer=signature.get("common_name") or signature.get("issuer"),
    )


def _dst(value: str) -> str:
    try:
        return normalize_digital_source_type(value)
    except RecordError:
        return value

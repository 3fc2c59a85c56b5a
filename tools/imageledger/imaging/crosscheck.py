"""Cross-checks of a disclosure's claims against the image file's own facts (pure).

``check_claims(record, facts)`` returns findings, each with a stable code:

=================================== ======== ==============================================
code                                severity when
=================================== ======== ==============================================
image-sha256-mismatch               error    the file's SHA-256 is not the record's
image-pdq-mismatch                  error    both fingerprints trusted, distance > 31
image-pdq-low-quality               warning  a fingerprint of quality < 50: not compared
image-media-type-mismatch           error    the bytes are another format than recorded
image-dimensions-mismatch           error    width/height differ from the record's
claim-ai-contradicts-c2pa           error    record says no AI (e.g. ``digitalCapture``);
                                             a valid C2PA manifest says generated/edited
claim-ai-contradicts-xmp            error    the same, from ``Iptc4xmpExt:DigitalSourceType``
claim-ai-understated                warning  record says AI-edited; the file says generated
claim-training-prohibited-xmp       error    ``ai-model-training`` purpose, PLUS
                                             ``DMI-PROHIBITED-*``, no licence in the record
claim-training-prohibited-c2pa      error    the same, from a c2pa/cawg training-mining
                                             entry ``notAllowed`` or ``constrained``
claim-training-licensed             warning  as the two above, but the record names a licence
claim-person-no-model-release       warning  record says it resembles a real person; XMP
                                             says ``MR-NON`` (no model release)
claim-label-c2pa-missing            warning  record lists the ``c2pa`` label; file has none
claim-label-xmp-missing             warning  record lists ``iptc-xmp``; no source type in XMP
image-c2pa-invalid                  warning  the file's C2PA manifest does not validate
=================================== ======== ==============================================

A C2PA manifest that does not validate is not used for claim checks (only reported): a
forged "AI-generated" manifest must not make an honest record fail.
"""

from __future__ import annotations

from typing import Any

from imageledger.errors import Finding, Location, RecordError, Severity
from imageledger.imaging.facts import ImageFacts
from imageledger.imaging.match import is_match
from imageledger.imaging.pdq import MATCH_DISTANCE, MIN_QUALITY, hamming, parse_pdq_hex
from imageledger.vocab import source_type

__all__ = ["check_claims"]

TRAINING_PURPOSE = "ai-model-training"
NO_LICENCE = frozenset({"", "all-rights-reserved"})


def _ai(uri: str | None) -> str:
    if not uri:
        return "unknown"
    try:
        return source_type(uri).ai
    except RecordError:
        return "unknown"


def check_claims(record: dict[str, Any], facts: ImageFacts) -> list[Finding]:
    """Findings where ``record`` (a disclosure's data) disagrees with the file's facts."""
    out: list[Finding] = []

    def add(
        code: str, message: str, field: str, *, warn: bool = False, hint: str | None = None
    ) -> None:
        severity = Severity.WARNING if warn else Severity.ERROR
        out.append(Finding(code, message, Location(field=field), severity, hint))

    image = record.get("image") or {}
    ident = facts.identity
    if image.get("sha256") != ident.sha256:
        add("image-sha256-mismatch", f"the file's SHA-256 is {ident.sha256}", "image.sha256")
    if image.get("media_type") not in (None, ident.media_type):
        add("image-media-type-mismatch", f"the file is {ident.media_type}", "image.media_type")
    if ("width" in image and image["width"] != ident.width) or (
        "height" in image and image["height"] != ident.height
    ):
        add(
            "image-dimensions-mismatch",
            f"the file is {ident.width}×{ident.height}",
            "image.width",
        )
    _check_pdq(image.get("pdq"), facts, add)
    _check_ai(record.get("ai") or {}, facts, add)
    _check_training(record, facts, add)
    _check_labels(record.get("labels") or {}, facts, add)
    ai = record.get("ai") or {}
    released = None if facts.xmp is None else facts.xmp.model_release_status
    if ai.get("resembles_real_person") is True and released == "MR-NON":
        add(
            "claim-person-no-model-release",
            "the file's XMP says no model release (plus:ModelReleaseStatus MR-NON)",
            "ai.resembles_real_person",
            warn=True,
            hint="link the person's consent record in subjects",
        )
    return out


def _check_pdq(recorded: Any, facts: ImageFacts, add: Any) -> None:
    ours = facts.identity.pdq
    if not isinstance(recorded, dict) or ours is None:
        return
    theirs = parse_pdq_hex(str(recorded.get("hash")), quality=int(recorded.get("quality", 0)))
    if min(ours.quality, theirs.quality) < MIN_QUALITY:
        add(
            "image-pdq-low-quality",
            f"fingerprint quality {min(ours.quality, theirs.quality)} < {MIN_QUALITY}: "
            "not compared",
            "image.pdq",
            warn=True,
        )
    elif not is_match(ours, theirs):
        add(
            "image-pdq-mismatch",
            f"the file's fingerprint is {hamming(ours, theirs)} bits from the record's "
            f"(at most {MATCH_DISTANCE} allowed)",
            "image.pdq.hash",
        )


def _check_ai(ai: dict[str, Any], facts: ImageFacts, add: Any) -> None:
    claimed = _ai(ai.get("digital_source_type"))
    said: list[tuple[str, str, str]] = []
    if facts.c2pa.valid:
        said += [("c2pa", uri, _ai(uri)) for uri in facts.c2pa.digital_source_types]
    if facts.xmp is not None and facts.xmp.digital_source_type:
        said.append(("xmp", facts.xmp.digital_source_type, _ai(facts.xmp.digital_source_type)))
    for where, uri, ai_kind in said:
        term = uri.rsplit("/", 1)[-1]
        if claimed == "none" and ai_kind in ("generated", "edited"):
            add(
                f"claim-ai-contradicts-{where}",
                f"the record says no AI was involved; the file's {where.upper()} says {term}",
                "ai.digital_source_type",
                hint="disclose the AI involvement the file itself declares",
            )
        elif claimed == "edited" and ai_kind == "generated":
            add(
                "claim-ai-understated",
                f"the record says AI-edited; the file's {where.upper()} says {term}",
                "ai.digital_source_type",
                warn=True,
            )
    if facts.c2pa.status == "embedded" and not facts.c2pa.valid:
        codes = ", ".join(facts.c2pa.failure_codes) or "no detail"
        add(
            "image-c2pa-invalid",
            f"the file's C2PA manifest does not validate ({codes}); not used for checks",
            "image",
            warn=True,
        )


def _check_training(record: dict[str, Any], facts: ImageFacts, add: Any) -> None:
    if TRAINING_PURPOSE not in (record.get("purposes") or ()):
        return
    licence = str((record.get("rights") or {}).get("licence", "")).strip().lower()
    reasons: list[tuple[str, str]] = []
    if facts.xmp is not None and facts.xmp.training_prohibited:
        reasons.append(("xmp", f"plus:DataMining {facts.xmp.data_mining}"))
    if facts.c2pa.valid and facts.c2pa.training_not_allowed:
        reasons.append(
            ("c2pa", "C2PA training-mining " + ", ".join(facts.c2pa.training_not_allowed))
        )
    for where, why in reasons:
        if licence in NO_LICENCE:
            add(
                f"claim-training-prohibited-{where}",
                f"the record discloses AI training; the file reserves it ({why}) and the "
                "record names no licence",
                "purposes",
                hint="name the licence that permits training in rights.licence",
            )
        else:
            add(
                "claim-training-licensed",
                f"AI training of a file that reserves it ({why}), under licence {licence!r}",
                "rights.licence",
                warn=True,
            )


def _check_labels(labels: dict[str, Any], facts: ImageFacts, add: Any) -> None:
    machine = labels.get("machine_readable") or ()
    if "c2pa" in machine and facts.c2pa.status == "absent":
        add(
            "claim-label-c2pa-missing",
            "the record lists a C2PA label; the file has no C2PA manifest",
            "labels.machine_readable",
            warn=True,
        )
    if "iptc-xmp" in machine and (facts.xmp is None or not facts.xmp.digital_source_type):
        add(
            "claim-label-xmp-missing",
            "the record lists an IPTC XMP label; the file's XMP has no DigitalSourceType",
            "labels.machine_readable",
            warn=True,
        )

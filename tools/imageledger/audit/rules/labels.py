"""Labelling rules: an AI-generated or AI-edited image that resembles a real person must
carry the disclosure each declared jurisdiction requires, from the day its law applies.

The rules fire only where the image is in use on or after the law's date (up to the
audit's ``as_of``), where one of its declared jurisdictions lies inside the law's territory
(``*`` lies inside every territory), and only for IPTC source types our vocabulary marks
``generated`` or ``edited`` (generative AI).

- ``label-eu-deepfake`` -- EU AI Act Art. 50(4), from 2026-08-02: a visible label that
  says AI (``eu-ai-icon``, ``text-caption``, ``text-on-image``). With a
  ``deepfake_exception`` (an evidently artistic, creative, satirical or fictional work)
  disclosure "in an appropriate manner that does not hamper the display or enjoyment of
  the work" is still owed, so any visible label but ``none`` passes.
- ``label-eu-machine-readable`` -- EU AI Act Art. 50(2), from 2026-08-02: a
  machine-readable marking (``c2pa``, ``iptc-xmp``, ``invisible-watermark``,
  ``metadata-other``). A provider's duty: a warning by default.
- ``label-ca-latent`` -- California SB 942, Bus. & Prof. Code § 22757.3(b), operative
  2026-08-02: a latent disclosure carrying provider, system, time and an id, permanent or
  hard to remove (``c2pa`` or ``invisible-watermark``). A covered provider's duty: a
  warning by default.
- ``label-cn-implicit`` -- CAC Measures for Labeling AI-Generated Synthetic Content Art. 5
  and GB 45438-2025, from 2025-09-01: the implicit label in the file's metadata
  (``metadata-other``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from imageledger import vocab
from imageledger.audit.model import Policy, Rule
from imageledger.audit.view import Data, LedgerView

Hit = tuple[Rule, tuple[str, ...], str]

EU_DEEPFAKE = Rule(
    "label-eu-deepfake",
    "error",
    "An AI image resembling a real person, used in the EU, shows no visible AI disclosure",
    "EU AI Act (Regulation (EU) 2024/1689) Art. 50(4)",
)
EU_MACHINE = Rule(
    "label-eu-machine-readable",
    "warning",
    "An AI image resembling a real person, used in the EU, carries no machine-readable marking",
    "EU AI Act (Regulation (EU) 2024/1689) Art. 50(2)",
)
CA_LATENT = Rule(
    "label-ca-latent",
    "warning",
    "An AI image resembling a real person, used in California, carries no latent disclosure",
    "California SB 942 (AI Transparency Act), Bus. & Prof. Code § 22757.3(b)",
)
CN_IMPLICIT = Rule(
    "label-cn-implicit",
    "error",
    "An AI image resembling a real person, used in China, carries no implicit metadata label",
    "CAC Measures for Labeling AI-Generated Synthetic Content Art. 5; GB 45438-2025",
)

RULES = (EU_DEEPFAKE, EU_MACHINE, CA_LATENT, CN_IMPLICIT)

_SAYS_AI = frozenset({"eu-ai-icon", "text-caption", "text-on-image"})
_MACHINE = frozenset({"c2pa", "iptc-xmp", "invisible-watermark", "metadata-other"})
_LATENT = frozenset({"c2pa", "invisible-watermark"})


@dataclass(frozen=True, slots=True)
class Law:
    rule: Rule
    territory: str
    """A jurisdiction code; a declared jurisdiction is inside when they share a code."""
    applies_from: str
    satisfied: Callable[[Data], bool]
    wants: str


def _eu_visible(data: Data) -> bool:
    visible = data["labels"]["visible"]
    if "deepfake_exception" in data["ai"]:
        return bool(visible != "none")
    return visible in _SAYS_AI


def _marks(allowed: frozenset[str]) -> Callable[[Data], bool]:
    return lambda data: bool(allowed.intersection(data["labels"]["machine_readable"]))


LAWS = (
    Law(EU_DEEPFAKE, "EU", "2026-08-02T00:00:00Z", _eu_visible, "a visible label saying AI"),
    Law(EU_MACHINE, "EU", "2026-08-02T00:00:00Z", _marks(_MACHINE), "a machine-readable marking"),
    Law(CA_LATENT, "US-CA", "2026-08-02T00:00:00Z", _marks(_LATENT), "C2PA or a watermark"),
    Law(
        CN_IMPLICIT,
        "CN",
        "2025-09-01T00:00:00Z",
        _marks(frozenset({"metadata-other"})),
        "the implicit AIGC metadata label",
    ),
)


@cache
def _inside(declared: str, territory: str) -> bool:
    return bool(vocab.expand_jurisdiction(declared) & vocab.expand_jurisdiction(territory))


def check_disclosure(view: LedgerView, ref: str, policy: Policy) -> Iterator[Hit]:
    data = view.records[ref]
    ai = data["ai"]
    if not ai["resembles_real_person"]:
        return
    involvement = vocab.source_type(ai["digital_source_type"]).ai
    if involvement not in ("generated", "edited"):
        return
    use = view.use(ref)
    for law in LAWS:
        if use.first_at_or_after(law.applies_from) > view.as_of:
            continue
        if not use.continues_at(law.applies_from):
            continue
        if not any(_inside(j, law.territory) for j in data["jurisdictions"]):
            continue
        if not law.satisfied(data):
            yield (
                law.rule,
                (ref,),
                f"AI-{involvement} image resembling a real person, used in "
                f"{', '.join(data['jurisdictions'])}, lacks {law.wants}",
            )

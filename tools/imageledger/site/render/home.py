"""The home page's generated part: figures, latest disclosures, lookup, log status.

It replaces the marker :data:`MARKER` in the hand-written ``index.md``.
"""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from imageledger.site import urls
from imageledger.site.model import Figures, LogStatus, SiteLedger
from imageledger.site.render.html import code, join, link, rel_url, section, table, tag, text
from imageledger.site.render.publisher import records_table
from imageledger.site.render.summary import KIND_NAMES

MARKER = "<!-- imageledger:home -->"
BASE = ""


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _figures(figures: Figures) -> Markup:
    overview = table(
        ("", "Count"),
        [
            (link(rel_url(BASE, urls.PUBLISHERS), "Publishers"), text(figures.publishers)),
            (text("Records"), text(figures.records)),
            *[
                (text(KIND_NAMES.get(kind, kind)), text(count))
                for kind, count in figures.by_kind.items()
            ],
        ],
        "il-figures",
    )
    types = table(
        ("Digital source type (IPTC)", "AI", "Disclosures", "Share"),
        [
            (text(s.label), text(s.ai), text(s.count), text(_share(s.count, figures.disclosures)))
            for s in figures.source_types
        ],
        "il-source-types",
    )
    ai = tag(
        "p",
        f"{_share(figures.ai_generated, figures.disclosures)} of disclosures are of AI-generated "
        f"images and {_share(figures.ai_edited, figures.disclosures)} of AI-edited ones; "
        f"{figures.retracted} disclosures were retracted.",
    )
    consents = table(
        ("Consents", "Count"),
        [
            (text("Active"), text(figures.consents_active)),
            (text("Withdrawn"), text(figures.consents_withdrawn)),
            (text("Expired"), text(figures.consents_expired)),
        ],
        "il-consents",
    )
    return join([overview, ai, types, consents], "\n")


def _age(then: str | None, now: datetime) -> str:
    if then is None:
        return "unknown"
    seconds = int((now - datetime.fromisoformat(then)).total_seconds())
    if seconds < 0:
        return "in the future (check the clock)"
    days, rest = divmod(seconds, 86400)
    return f"{days} d {rest // 3600} h" if days else f"{rest // 3600} h {rest % 3600 // 60} min"


def _log(log: LogStatus | None, now: datetime) -> Markup:
    if log is None:
        return tag("p", "This ledger has no transparency log yet.")
    witnessed = "witnessed" if log.cosigned >= log.quorum else "not yet witnessed"
    rows = [
        (text("Origin"), code(log.origin)),
        (text("Entries"), text(log.size)),
        (text("Root hash (base64)"), code(log.root)),
        (text("Checkpoint time"), text(log.time or "unknown")),
        (text("Checkpoint age at build"), text(_age(log.time, now))),
        (
            text("Witnesses"),
            text(f"{log.cosigned} of {log.witnesses} cosigned (quorum {log.quorum}): {witnessed}"),
        ),
        (text("Checkpoint"), link("log/checkpoint", "log/checkpoint")),
    ]
    return table(("", ""), rows, "il-log")


def _lookup() -> Markup:
    """The look-up box; ``assets/js/lookup.js`` brings it to life (nothing is uploaded)."""
    return tag(
        "div",
        join(
            [
                tag(
                    "p",
                    "Drop an image here, or choose one. Nothing is uploaded: your browser "
                    "computes the image's SHA-256 and PDQ fingerprint and fetches only the "
                    "few small index files those values point to.",
                ),
                tag(
                    "label",
                    join(["Choose an image: ", tag("input", "", type="file", accept="image/*")]),
                ),
                tag("div", "", class_="il-lookup-result", aria_live="polite"),
                tag("p", join(["From a clone: ", code("imageledger lookup IMAGE")])),
            ],
            "\n",
        ),
        class_="il-lookup",
        id="il-lookup",
        data_root="./",
    )


def _find() -> Markup:
    """Look up by record hash or by consent-receipt code (hashed in the browser)."""
    return tag(
        "div",
        join(
            [
                tag(
                    "p",
                    "Have a consent receipt? Type its code to find your consent and every "
                    "disclosure that relies on it; or paste a record hash. The code never "
                    "leaves your browser: only the first characters of its hash choose which "
                    "small file to download.",
                ),
                tag(
                    "label",
                    join(
                        [
                            "Receipt code or record hash: ",
                            tag("input", "", type="text", autocomplete="off", spellcheck="false"),
                        ]
                    ),
                ),
                " ",
                tag("button", "Find", type="button", class_="md-button"),
                tag("div", "", class_="il-find-result", aria_live="polite"),
            ],
            "\n",
        ),
        class_="il-lookup",
        id="il-find",
        data_root="./",
    )


def render_home(ledger: SiteLedger, *, latest: int, now: datetime) -> Markup:
    """The generated HTML block for the home page (``now`` is the build time, UTC)."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    newest = ledger.latest(latest, kinds=("disclosure",))
    machine = tag(
        "p",
        join(
            [
                "Machine access: ",
                link(urls.feed("atom"), "Atom"),
                " · ",
                link(urls.feed("json"), "JSON Feed"),
                " · ",
                link(f"{urls.API}/ledger.json", "JSON API"),
                " · ",
                link(urls.EXPORT, "bulk export"),
            ]
        ),
    )
    parts = [
        section("The ledger in figures", _figures(ledger.figures(now=stamp)), "figures"),
        section("Latest disclosures", records_table(BASE, ledger, newest), "latest"),
        machine,
        section("Look up an image", _lookup(), "lookup-box"),
        section("Find a consent or a record", _find(), "find"),
        section("Transparency log", _log(ledger.log, now), "log"),
    ]
    return Markup('<div class="il">\n') + join(parts, "\n") + Markup("\n</div>")

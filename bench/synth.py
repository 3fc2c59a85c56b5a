"""A synthetic ledger: N publishers x M records, valid signatures, realistic field sizes.

python bench/synth.py OUT_DIR --publishers 10 --records 1000
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from imageledger import authoring
from imageledger.core import canonical, schemas, strict_yaml
from imageledger.core.keys import PrivateKey, demo_key, format_verifier_key
from imageledger.core.records import sign
from imageledger.demo import generate
from imageledger.demo import keys as demo_keys
from imageledger.storage.layout import Layout

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
START = datetime(2026, 1, 2, tzinfo=UTC)


def body(publisher: str, seq: int) -> dict[str, Any]:
    digest = hashlib.sha256(f"{publisher}/{seq}".encode()).hexdigest()
    return {
        "schema": schemas.schema_id("disclosure"),
        "image": {
            "sha256": digest,
            "media_type": "image/jpeg",
            "width": 2048,
            "height": 1365,
            "size": 734_112 + seq,
            "pdq": {
                "alg": "pdq/1",
                "hash": hashlib.sha256(digest.encode()).hexdigest(),
                "quality": 94,
            },
            "published_urls": [f"https://{publisher}.example/campaigns/{seq}/hero.jpg"],
        },
        "ai": {
            "digital_source_type": DST + "compositeWithTrainedAlgorithmicMedia",
            "system": {"name": "ExampleDiffusion", "version": "3.1", "provider": "Example AI"},
            "resembles_real_person": False,
            "actions": [
                {
                    "action": "c2pa.edited",
                    "digital_source_type": DST + "compositeWithTrainedAlgorithmicMedia",
                }
            ],
        },
        "labels": {"visible": "eu-ai-icon", "machine_readable": ["c2pa", "iptc-xmp"]},
        "purposes": ["advertising", "social-media"],
        "jurisdictions": ["EU", "US-CA"],
        "period": {"from": "2026-03-01T00:00:00Z", "until": "2026-09-30T00:00:00Z"},
        "rights": {
            "copyright_owner": f"{publisher.title()} Ltd.",
            "licence": "all-rights-reserved",
        },
        "description": f"Campaign image {seq}: product photographed, background generated "
        "with a diffusion model and retouched by the studio.",
    }


def registrations(count: int) -> list[tuple[str, PrivateKey, dict[str, Any]]]:
    """``count`` synthetic publishers: id, DEMO key and operator-signed registration."""
    operator = demo_keys.operator()
    out = []
    for p in range(count):
        pid = f"pub{p:03d}"
        key = demo_key(f"{pid}.example/bench-DEMO")
        reg = authoring.registration(
            pid,
            name=f"Publisher {p}",
            domain=f"{pid}.example",
            contact=f"mailto:ledger@{pid}.example",
            keys=[format_verifier_key(key.verifier)],
            admitted_at="2026-01-01T00:00:00Z",
        )
        out.append((pid, key, authoring.sign_registration(reg, operator)))
    return out


def build(out: Path, publishers: int, records: int) -> None:
    if out.exists():
        shutil.rmtree(out)
    config = generate.ledger_config()
    (out / "ledger").mkdir(parents=True)
    (out / "ledger/ledger.yaml").write_text(strict_yaml.dump(config))
    for pid, key, reg in registrations(publishers):
        folder = out / "ledger/publishers" / pid
        (folder / "records").mkdir(parents=True)
        (folder / "publisher.yaml").write_bytes(authoring.render(reg))
        prev = canonical.record_hash(reg)
        for seq in range(1, records + 1):
            at = (START + timedelta(minutes=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
            record = {
                **body(pid, seq),
                "publisher": pid,
                "seq": seq,
                "prev": prev,
                "recorded_at": at,
            }
            signed = sign(record, key)
            prev = canonical.record_hash(signed)
            (folder / "records" / f"{seq:06d}.yaml").write_bytes(authoring.render(signed))


def append(repo: Path, publisher: str = "pub000") -> Path:
    """Sign and write the publisher's next record (as a publisher's PR would add it)."""
    layout = Layout(repo)
    seq, prev = authoring.chain_head(layout, publisher)
    at = (START + timedelta(minutes=seq + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record = {
        **body(publisher, seq + 1),
        "publisher": publisher,
        "seq": seq + 1,
        "prev": prev,
        "recorded_at": at,
    }
    signed = sign(record, demo_key(f"{publisher}.example/bench-DEMO"))
    return authoring.write_record(layout, signed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--publishers", type=int, default=10)
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args()
    build(args.out, args.publishers, args.records)


if __name__ == "__main__":
    main()

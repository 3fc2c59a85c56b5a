"""The committed demo ledger and schema files are exactly what the generators produce."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from imageledger.core import schemas, strict_yaml
from imageledger.core.records import UnverifiedRecord
from imageledger.demo import generate
from imageledger.demo.images import DISCLOSED, UNDISCLOSED, sample
from support import ROOT


def test_demo_regenerates_byte_identical() -> None:
    files = generate.build_with_log()
    committed = {
        p.relative_to(ROOT).as_posix(): p.read_bytes()
        for p in (ROOT / "ledger").rglob("*")
        if p.is_file() and (p.suffix == ".yaml" or "/ledger/log/" in p.as_posix())
    }
    assert files == committed


def test_demo_covers_every_kind_and_real_images() -> None:
    files = generate.build()
    kinds: dict[str, int] = {}
    hashes = set()
    for rel, data in files.items():
        if rel.endswith("ledger.yaml"):
            continue
        record = UnverifiedRecord.from_dict(strict_yaml.parse_canonical(data))
        kinds[record.kind] = kinds.get(record.kind, 0) + 1
        if record.kind == "disclosure":
            hashes.add(record.data["image"]["sha256"])
    assert set(kinds) == set(schemas.KINDS)
    assert sum(kinds.values()) - kinds["publisher"] >= 60
    assert kinds["publisher"] >= 3
    assert hashes == {sample(name).sha256 for name in DISCLOSED}
    assert not hashes & {sample(name).sha256 for name in UNDISCLOSED}


def test_demo_private_keys_say_demo() -> None:
    from imageledger.demo import keys

    names = [keys.OPERATOR, keys.WITNESS, *[n for ns in keys.KEYS.values() for n in ns]]
    assert all("DEMO" in name for name in names)


def test_shipped_schema_files_are_current_and_valid_2020_12() -> None:
    folder = ROOT / "tools/imageledger/schemas"
    for name, value in schemas.all_schemas().items():
        path = folder / f"{name}.v1.json"
        assert path.read_text() == schemas.render(value), f"{path} is stale: regenerate it"
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_every_demo_record_passes_the_reference_validator() -> None:
    for rel, data in generate.build().items():
        value = strict_yaml.parse(data)
        kind = "ledger" if rel.endswith("ledger.yaml") else UnverifiedRecord.from_dict(value).kind
        jsonschema.Draft202012Validator(schemas.all_schemas()[kind]).validate(value)


def test_real_mkdocs_build_renders_the_prose_site(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "site"
    mkdocs = Path(sys.executable).parent / "mkdocs"
    proc = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    index = (out / "index.html").read_text()
    assert "Image Disclosure Ledger" in index
    assert "fonts.googleapis.com" not in index
    assert (out / "decisions/0001-canonical-yaml/index.html").is_file()

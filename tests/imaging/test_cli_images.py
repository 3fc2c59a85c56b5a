"""``inspect``, ``lookup``, ``embed``, ``check-images``, ``image-index`` on the demo ledger."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from imaging_fixtures import DST, actions, photo_jpeg, sign_c2pa
from PIL import Image

from imageledger.demo.images import sample

URL = "https://demo.imageledger.example/"
ROOT = Path(__file__).resolve().parents[2]


def first_ref(name: str) -> str:
    """The first demo disclosure of a sample image (see imageledger.demo.images)."""
    from imageledger.imaging.ledger_images import disclosed_images
    from imageledger.storage.layout import Layout

    sha = sample(name).sha256
    return next(d.ref for d in disclosed_images(Layout(ROOT)) if d.sha256 == sha)


JPEG, PNG = "rocket.jpg", "coffee.png"
JPEG_REF, PNG_REF = first_ref(JPEG), first_ref(PNG)


def pixels_sha256(path: Path) -> str:
    with Image.open(path) as img:
        return hashlib.sha256(img.tobytes()).hexdigest()


@pytest.mark.parametrize(("name", "ref"), [(JPEG, JPEG_REF), (PNG, PNG_REF)], ids=["jpeg", "png"])
def test_embed_then_inspect_round_trip(ledger_copy: Path, cli, tmp_path: Path, name, ref) -> None:
    src = sample(name).path
    out = tmp_path / f"linked-{name}"
    run = cli("--repo", str(ledger_copy), "embed", str(src), "--record", ref, "-o", str(out))
    assert run.code == 0, run.err
    publisher, seq = ref.split("/")
    assert f"{URL}r/{publisher}/{seq}/" in run.out
    assert pixels_sha256(out) == pixels_sha256(src)
    inspected = cli("inspect", str(out), "--json")
    assert inspected.code == 0
    xmp = json.loads(inspected.out)["xmp"]
    items = [r["item"] for r in xmp["registry"]]
    assert items[0] == f"{URL}r/{publisher}/{seq}/"
    assert items[1].startswith("sha256:")
    assert all(r["org"] == URL for r in xmp["registry"])
    assert xmp["digital_source_type"].startswith(DST)
    text = cli("inspect", str(out))
    assert f"{URL}r/{publisher}/{seq}/" in text.out
    # the linked file still leads back to its disclosure, as a near-duplicate
    found = cli("--repo", str(ledger_copy), "lookup", str(out), "--json")
    assert found.code == 0, found.out
    answer = json.loads(found.out)
    assert answer["exact"] == []  # the bytes changed: only the fingerprint leads back
    near = {m["ref"]: m["distance"] for m in answer["near"]}
    assert near[ref] <= 31


def test_embed_refusals(ledger_copy: Path, cli, tmp_path: Path) -> None:
    repo = ["--repo", str(ledger_copy)]
    out = tmp_path / "o.jpg"
    other = sample("brick.png").path
    run = cli(*repo, "embed", str(other), "--record", JPEG_REF, "-o", str(out))
    assert run.code == 1
    assert "[embed-image-mismatch]" in run.err
    assert not out.exists()
    signed = tmp_path / "signed.jpg"
    signed.write_bytes(sign_c2pa(photo_jpeg(), [actions("c2pa.created", "digitalCapture")]))
    run = cli(*repo, "embed", str(signed), "--record", JPEG_REF, "-o", str(out), "--force")
    assert "[embed-c2pa-present]" in run.err
    run = cli(*repo, "embed", str(sample(JPEG).path), "--record", "nobody/1", "-o", str(out))
    assert "[ref-missing]" in run.err
    out.write_bytes(b"keep")
    run = cli(*repo, "embed", str(sample(JPEG).path), "--record", JPEG_REF, "-o", str(out))
    assert "[file-exists]" in run.err
    assert out.read_bytes() == b"keep"


def test_lookup_local(ledger_copy: Path, cli) -> None:
    run = cli("--repo", str(ledger_copy), "lookup", str(sample(PNG).path))
    assert run.code == 0
    assert f"exact  {PNG_REF}" in run.out
    miss = cli("--repo", str(ledger_copy), "lookup", str(sample("brick.png").path))
    assert miss.code == 1
    assert "no disclosure found" in miss.out


def test_lookup_site_index_near_duplicate(ledger_copy: Path, cli, tmp_path: Path) -> None:
    """A ledger whose record carries a PDQ: a re-encoded copy is found through the site index."""
    from imageledger.imaging import site_index
    from imageledger.imaging.identity import identify_file

    ident = identify_file(sample(PNG).path, fast=False)
    files = site_index.build([site_index.IndexEntry(PNG_REF, ident.sha256, ident.pdq)])
    site = tmp_path / "site"
    for rel, data in files.items():
        (site / "api/v1/images" / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / "api/v1/images" / rel).write_bytes(data)
    copy = tmp_path / "copy.jpg"
    with Image.open(sample(PNG).path) as img:
        img.convert("RGB").resize((300, 200)).save(copy, "JPEG", quality=60)
    run = cli("lookup", str(copy), "--site", str(site), "--json")
    assert run.code == 0
    near = json.loads(run.out)["near"]
    assert near[0]["ref"] == PNG_REF
    assert near[0]["distance"] <= 31
    exact = cli("lookup", str(sample(PNG).path), "--site", str(site))
    assert f"exact  {PNG_REF}" in exact.out


def test_lookup_site_without_index_is_unsupported(cli, tmp_path: Path) -> None:
    run = cli("lookup", str(sample(PNG).path), "--site", str(tmp_path))
    assert run.code == 1
    assert "[site-index-missing]" in run.err
    assert "unsupported" in run.err


def test_image_index_command(ledger_copy: Path, cli, tmp_path: Path) -> None:
    run = cli("--repo", str(ledger_copy), "image-index", str(tmp_path / "idx"))
    assert run.code == 0
    meta = json.loads((tmp_path / "idx/meta.json").read_bytes())
    from imageledger.imaging.ledger_images import disclosed_images
    from imageledger.storage.layout import Layout

    assert meta["v"] == 2
    assert meta["images"] == len(disclosed_images(Layout(ledger_copy)))
    found = cli("lookup", str(sample(JPEG).path), "--site", str(tmp_path / "idx"))
    assert f"exact  {JPEG_REF}" in found.out


def test_check_images_over_demo(ledger_copy: Path, cli, tmp_path: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    for name in (JPEG, PNG, "brick.png"):
        shutil.copy(sample(name).path, images / name)
    run = cli("--repo", str(ledger_copy), "check-images", "--images", str(images), "--json")
    report = json.loads(run.out)
    assert report["ok"], report
    assert all(f["severity"] == "warning" for f in report["findings"])
    text = cli("--repo", str(ledger_copy), "check-images", "--images", str(images))
    assert "disclosed image(s) checked" in text.out
    assert text.code == 0


def test_record_new_prefills_identity_with_pdq(cli, tmp_path: Path) -> None:
    run = cli("record", "new", "disclosure", "--image", str(sample(PNG).path))
    assert run.code == 0
    assert sample(PNG).sha256 in run.out
    assert "pdq/1" in run.out


def test_inspect_text_and_json(cli) -> None:
    run = cli("inspect", str(sample(JPEG).path))
    assert run.code == 0
    assert sample(JPEG).sha256 in run.out
    assert "c2pa        absent" in run.out
    data = json.loads(cli("inspect", str(sample(JPEG).path), "--json").out)
    assert data["pdq"]["trusted"] is True
    assert data["c2pa"]["status"] == "absent"


def test_lookup_site_by_url(ledger_copy: Path, cli, tmp_path: Path) -> None:
    """``--site URL`` reads the same index over HTTP (a server on 127.0.0.1 only)."""
    import functools
    import http.server
    import threading

    site = tmp_path / "site"
    run = cli("--repo", str(ledger_copy), "image-index", str(site / "api/v1/images"))
    assert run.code == 0

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        found = cli("lookup", str(sample(JPEG).path), "--site", url)
        assert found.code == 0
        assert f"exact  {JPEG_REF}" in found.out
        missing = cli("lookup", str(sample(JPEG).path), "--site", url + "nothing/")
        assert missing.code == 1
        assert "[site-index-missing]" in missing.err
    finally:
        server.shutdown()
        server.server_close()

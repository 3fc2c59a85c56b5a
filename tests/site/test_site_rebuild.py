"""Rebuilds reuse the record pages of the last build (ADR 0010): after one more record, only
the pages whose inputs changed are written, and the site equals a full build."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_builds import add_consent_with_receipt, add_hostile_records, build_site, site_project


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _stamp(path: Path) -> tuple[int, int]:
    """A file's inode and mtime: equal after a rebuild means the file was kept."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def _built(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the demo project and its site, built once."""
    (tmp_path / "project").mkdir()
    project = site_project(tmp_path / "project")
    out = tmp_path / "out"
    build_site(project, out)
    return project, out


def _assert_same_as_a_full_build(project: Path, out: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"  # another site_dir: the manifest does not apply, all rendered
    build_site(project, full)
    assert _tree(out) == _tree(full)


def test_rebuild_after_one_record_renders_only_what_changed(tmp_path: Path) -> None:
    project, out = _built(tmp_path)
    untouched = out / "r/northwind/3/index.html"
    before = _stamp(untouched)
    shard = out / "api/v1/images/meta.json"  # the new record is a consent: no new image
    shard_before = _stamp(shard)
    last = max(int(p.name) for p in (out / "r/northwind").iterdir())
    ref = add_consent_with_receipt(project)  # northwind/<last + 1>
    build_site(project, out)
    assert _stamp(untouched) == before  # reused
    assert _stamp(shard) == shard_before
    assert (out / f"r/{ref}/index.html").is_file()
    previous = (out / f"r/northwind/{last}/index.html").read_text()
    assert f'href="../{last + 1}/"' in previous  # its "next" link was re-rendered
    _assert_same_as_a_full_build(project, out, tmp_path)


def test_a_removed_site_dir_means_a_full_render(tmp_path: Path) -> None:
    project, out = _built(tmp_path)
    expected = _tree(out)
    for page in (out / "r").rglob("index.html"):
        page.write_text("stale")  # a tree the manifest does not describe any more...
    (project / ".imageledger-cache/site/manifest.json").unlink()  # ...and no manifest
    build_site(project, out)
    assert _tree(out) == expected


def _page_size(project: Path, size: int) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text()
    assert "  - imageledger " in text
    config.write_text(
        text.replace("  - imageledger ", f"  - imageledger: {{page_size: {size}}} ", 1)
    )


def test_rebuild_keeps_list_and_api_pages_that_did_not_change(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    project = site_project(tmp_path / "project")
    count = len(list((project / "ledger/publishers/northwind/records").iterdir()))
    size = next(s for s in range(3, count) if count % s)  # one more record: no new page
    _page_size(project, size)
    out = tmp_path / "out"
    build_site(project, out)
    kept = out / "p/northwind/2/index.html"
    before = _stamp(kept)
    last_page = out / f"p/northwind/{-(-count // size)}/index.html"
    other = out / "api/v1/publishers/emberforge/records/1.json"
    other_before = _stamp(other)
    ref = add_consent_with_receipt(project)
    build_site(project, out)
    assert _stamp(kept) == before  # not rendered again
    assert _stamp(other) == other_before
    assert ref.encode() in last_page.read_bytes()  # the last page now lists it
    _assert_same_as_a_full_build(project, out, tmp_path)


def test_rebuild_reads_a_record_edited_in_place(tmp_path: Path) -> None:
    project, out = _built(tmp_path)
    path = project / "ledger/publishers/emberforge/records/000002.yaml"
    text = path.read_text()
    assert "\ndescription: " in text
    path.write_text(text.replace("\ndescription: ", "\ndescription: Edited in place. ", 1))
    # The snapshot of emberforge no longer matches its files: the file is read again, and
    # the build refuses a record that differs from its logged entry.
    with pytest.raises(AssertionError, match=r"000002.yaml.*log-entry-changed"):
        build_site(project, out)


def test_rebuild_updates_the_image_index_in_place(tmp_path: Path) -> None:
    project, out = _built(tmp_path)
    index = out / "api/v1/images"
    before = {p: _stamp(p) for p in index.rglob("*") if p.is_file()}
    disclosure, _ = add_hostile_records(project)  # one more image, found by hash and PDQ
    build_site(project, out)
    after = {p: _stamp(p) for p in index.rglob("*") if p.is_file()}
    rewritten = {p for p in after if before.get(p) != after[p]}
    # meta.json, one sha256 shard and at most 16 PDQ shards: not the whole index
    assert index / "meta.json" in rewritten
    assert 2 <= len(rewritten) <= 18 < len(after)
    _assert_same_as_a_full_build(project, out, tmp_path)
    assert disclosure.startswith("northwind/")


def test_rebuild_keeps_the_log_tiles_and_rewrites_tiles_that_do_not_verify(
    tmp_path: Path,
) -> None:
    project, out = _built(tmp_path)
    log = {p: _stamp(p) for p in (out / "log").rglob("*") if p.is_file()}
    assert any("tile/entries" in p.as_posix() for p in log)
    add_consent_with_receipt(project)  # not integrated: the log is unchanged
    build_site(project, out)
    assert {p: _stamp(p) for p in (out / "log").rglob("*") if p.is_file()} == log
    tile = next(p for p in log if "/tile/0/" in p.as_posix())
    tile.write_bytes(bytes(len(tile.read_bytes())))  # kept tiles that miss their root...
    build_site(project, out)  # ...are written again from the ledger
    _assert_same_as_a_full_build(project, out, tmp_path)

"""Git adapter (GitPython): the changes between two commits and blobs read from git objects.

Everything is read from the object database, never from the working tree, so a checkout
cannot lie about what a commit holds. Blob sizes come from object headers, so a huge file
is refused before a byte of it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from imageledger.errors import Location, StorageError, UsageError

MODE_FILE = 0o100644
MODE_EXECUTABLE = 0o100755
MODE_SYMLINK = 0o120000
MODE_SUBMODULE = 0o160000
_NULL_SHA = "0" * 40


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of ``git diff-tree --raw``: what happened to one path between two trees.

    ``status`` is git's letter: A added, M modified, D deleted, R renamed, T type changed.
    """

    status: str
    path: str
    old_path: str | None
    old_mode: int
    new_mode: int
    old_blob: str | None
    new_blob: str | None


def parse_raw_diff(output: str) -> list[Change]:
    """Parse ``git diff-tree -r -z --raw`` output (NUL-separated, paths verbatim)."""
    fields = output.split("\0")
    changes: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        header = fields[i].lstrip(":").split(" ")
        old_mode, new_mode, old_sha, new_sha, status = header[:5]
        letter = status[0]
        if letter in ("R", "C"):
            old_path, path = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old_path, path = None, fields[i + 1]
            i += 2
        changes.append(
            Change(
                letter,
                path,
                old_path if letter in ("R", "C") else (path if letter != "A" else None),
                int(old_mode, 8),
                int(new_mode, 8),
                None if old_sha == _NULL_SHA else old_sha,
                None if new_sha == _NULL_SHA else new_sha,
            )
        )
    return changes


class GitRepo:
    """A repository's commits, trees and blobs (read-only)."""

    def __init__(self, path: Path) -> None:
        try:
            self._repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as e:
            raise UsageError(
                "not a git repository",
                code="git-no-repo",
                location=Location(str(path)),
                hint="run inside a clone of the ledger or pass --repo",
            ) from e
        self._odb = self._repo.odb

    def close(self) -> None:
        self._repo.close()

    def resolve(self, ref: str) -> str:
        """The commit id ``ref`` names."""
        try:
            return str(self._repo.commit(ref).hexsha)
        except (git.BadName, ValueError, git.GitCommandError) as e:
            raise UsageError(
                f"no commit {ref!r} in this repository",
                code="git-ref-unknown",
                hint="fetch with full history (fetch-depth: 0) so the base branch is present",
            ) from e

    def merge_base(self, base: str, head: str) -> str:
        bases = self._repo.merge_base(base, head)
        if not bases:
            raise UsageError(f"{base} and {head} share no history", code="git-no-merge-base")
        return str(bases[0].hexsha)

    def changes(self, old: str, new: str) -> list[Change]:
        """Every path that differs between the trees of commits ``old`` and ``new``."""
        output = self._repo.git.diff_tree(
            "-r", "-z", "--raw", "--find-renames", "--no-abbrev", "--no-ext-diff", old, new
        )
        return parse_raw_diff(output)

    def blob_size(self, sha: str) -> int:
        """Size of a blob from its object header, without reading its content."""
        return int(self._odb.info(bytes.fromhex(sha)).size)

    def read_blob(self, sha: str, limit: int, *, path: str) -> bytes:
        """The content of blob ``sha``, refused unread when over ``limit`` bytes."""
        size = self.blob_size(sha)
        if size > limit:
            raise StorageError(
                f"file is {size} bytes; the limit is {limit}",
                code="file-too-large",
                location=Location(path),
                hint="records are small YAML files; images never go into the repository",
            )
        data: bytes = self._odb.stream(bytes.fromhex(sha)).read()
        return data

    def entries(self, commit: str, paths: list[str]) -> dict[str, tuple[int, str]]:
        """``{path: (mode, blob id)}`` for those of ``paths`` present in ``commit``'s tree."""
        if not paths:
            return {}
        output = self._repo.git.ls_tree("-z", "--full-tree", commit, "--", *paths)
        found: dict[str, tuple[int, str]] = {}
        for item in output.split("\0"):
            if not item:
                continue
            meta, _, name = item.partition("\t")
            mode, _kind, sha = meta.split(" ")
            found[name] = (int(mode, 8), sha)
        return found

    def names(self, commit: str, folder: str) -> list[str]:
        """Names of the entries directly inside ``folder`` in ``commit``'s tree."""
        output = self._repo.git.ls_tree("-z", "--name-only", "--full-tree", commit, folder + "/")
        return [name.rsplit("/", 1)[-1] for name in output.split("\0") if name]

    def grep_files(self, commit: str, folder: str, needles: list[str]) -> list[str]:
        """Paths under ``folder`` in ``commit`` whose content holds one of ``needles``
        (fixed strings), searched by git in C without loading the files into Python."""
        args = ["-l", "-F", "--no-color"]
        for needle in needles:
            args += ["-e", needle]
        try:
            output = self._repo.git.grep(*args, commit, "--", folder + "/")
        except git.GitCommandError as e:
            if e.status == 1:  # no match
                return []
            raise StorageError(f"git grep failed: {e.stderr.strip()}", code="git-error") from e
        prefix = commit + ":"
        return [line.removeprefix(prefix) for line in output.splitlines() if line]

"""Download, verify and safely extract the corpora that have a public download address.

Only microtexts (two GitHub archives) and CDCP (one zip) can be fetched without a license
gate. :data:`ARCHIVES` pins each URL to a sha256. The real archives could not be fetched
while argmine was written, so their checksums are unknown and stored as ``None``: the download
then refuses to run unless the caller passes a checksum they verified themselves.

Extraction is safe and atomic: every member is checked first (no absolute paths, no ``..``
components, no links pointing outside the target, no device files), the archive is extracted
into a temporary folder next to the target, and that folder is renamed into place at the end.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from argmine.errors import ArgmineError


@dataclass(frozen=True)
class Archive:
    """One downloadable archive of a corpus, extracted into ``<root>/<dest>``."""

    corpus: str
    name: str  # "part1", "part2", "all"
    url: str
    sha256: str | None  # None: not pinned (the archive could not be fetched to compute it)
    dest: str = ""  # sub-folder of the corpus root ("" = the root itself)


ARCHIVES: dict[str, list[Archive]] = {
    "microtexts": [
        Archive(
            "microtexts", "part1",
            "https://github.com/peldszus/arg-microtexts/archive/"
            "6707c133de713130cabe647f2f218681d65fdc15.zip",
            None, "part1",
        ),
        Archive(
            "microtexts", "part2",
            "https://github.com/discourse-lab/arg-microtexts-part2/archive/"
            "99b652352212d69b76200f7ad85660b5b597c42a.zip",
            None, "part2",
        ),
    ],
    "cdcp": [
        Archive("cdcp", "all", "https://facultystaff.richmond.edu/~jpark/data/cdcp_acl17.zip", None, ""),
    ],
}


class DownloadError(ArgmineError):
    """A download failed, its checksum did not match, or the archive is unsafe."""


def archives_for(corpus: str, part: str | None = None) -> list[Archive]:
    """The archives of ``corpus`` (one part if ``part`` is given)."""
    if corpus not in ARCHIVES:
        raise DownloadError(
            f"corpus {corpus!r} has no public download address; downloadable: {sorted(ARCHIVES)}. "
            "See docs/corpora.md for how to obtain it"
        )
    found = [a for a in ARCHIVES[corpus] if part is None or a.name in {part, f"part{part}"}]
    if not found:
        names = [a.name for a in ARCHIVES[corpus]]
        raise DownloadError(f"corpus {corpus!r} has no archive {part!r}; archives: {names}")
    return found


def fetch(url: str, dest: Path, *, timeout: float = 60.0) -> str:
    """Download ``url`` to ``dest``; returns the sha256 hex digest of the bytes written."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, dest.open("wb") as fh:
            while chunk := response.read(1 << 16):
                digest.update(chunk)
                fh.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DownloadError(f"download of {url} failed: {exc}") from None
    return digest.hexdigest()


def _check_member_name(name: str, archive: Path) -> PurePosixPath:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise DownloadError(f"{archive}: unsafe member {name!r}: absolute path")
    if ".." in path.parts:
        raise DownloadError(f"{archive}: unsafe member {name!r}: '..' in path")
    return path


def _inside(base: PurePosixPath, link: str) -> bool:
    """Whether ``link`` (relative to member folder ``base``) stays inside the archive root."""
    if link.startswith("/") or (len(link) > 1 and link[1] == ":"):
        return False
    depth = 0
    for part in (base / link).parts:
        if part == "..":
            depth -= 1
            if depth < 0:
                return False
        elif part not in {"", "."}:
            depth += 1
    return True


def safe_extract(archive: Path, target: Path) -> None:
    """Extract a zip or tar archive into the existing folder ``target`` after checking members.

    Rejects absolute names, ``..`` components, symbolic or hard links pointing outside the
    archive, and device or fifo members, naming the archive and the member.
    """
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                path = _check_member_name(info.filename, archive)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    link = zf.read(info).decode("utf-8", "replace")
                    if not _inside(path.parent, link):
                        raise DownloadError(f"{archive}: unsafe member {info.filename!r}: "
                                            f"symlink to {link!r} points outside the target")
                    raise DownloadError(f"{archive}: member {info.filename!r} is a symlink; "
                                        "links in zip archives are not supported")
            for info in infos:
                zf.extract(info, target)
        return
    if not tarfile.is_tarfile(archive):
        raise DownloadError(f"{archive}: neither a zip nor a tar archive")
    with tarfile.open(archive) as tf:
        members = tf.getmembers()
        for m in members:
            path = _check_member_name(m.name, archive)
            if m.issym() and not _inside(path.parent, m.linkname):
                raise DownloadError(f"{archive}: unsafe member {m.name!r}: symlink to "
                                    f"{m.linkname!r} points outside the target")
            if m.islnk() and not _inside(PurePosixPath(), m.linkname):
                raise DownloadError(f"{archive}: unsafe member {m.name!r}: hard link to "
                                    f"{m.linkname!r} points outside the target")
            if not (m.isfile() or m.isdir() or m.issym() or m.islnk()):
                raise DownloadError(f"{archive}: unsafe member {m.name!r}: not a file, folder or link")
        tf.extractall(target, filter="data")


def _strip_single_top(folder: Path) -> Path:
    """If ``folder`` holds exactly one sub-folder and nothing else, return that sub-folder."""
    entries = list(folder.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return folder


def _occupied(path: Path) -> bool:
    """Whether ``path`` exists and is not an empty folder."""
    return path.exists() and (not path.is_dir() or any(path.iterdir()))


def install_archive(archive: Path, target: Path, *, force: bool = False) -> Path:
    """Extract ``archive`` into ``target`` atomically (temp folder, then rename).

    A single top-level folder in the archive (as in GitHub archives) is stripped. An existing
    ``target`` is replaced only with ``force``.
    """
    if _occupied(target) and not force:
        raise DownloadError(f"{target} already exists; pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        safe_extract(archive, staging)
        content = _strip_single_top(staging)
        old: Path | None = None
        if target.is_dir() and not _occupied(target):
            target.rmdir()
        elif target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
        content.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def download(
    corpus: str,
    root: Path,
    *,
    part: str | None = None,
    url: str | None = None,
    sha256: str | None = None,
    force: bool = False,
    log=print,
) -> list[Path]:
    """Fetch, verify and extract the archives of ``corpus`` under ``root``; returns the folders.

    ``url`` replaces the pinned address (only when one archive is selected); ``sha256`` replaces
    the pinned checksum. Without any checksum the download is refused.
    """
    selected = archives_for(corpus, part)
    if (url or sha256) and len(selected) > 1:
        names = [a.name for a in selected]
        raise DownloadError(f"--url/--sha256 apply to one archive; choose one with --part ({names})")
    done: list[Path] = []
    for arc in selected:
        source = url or arc.url
        expected = (sha256 or arc.sha256 or "").lower() or None
        if expected is None:
            raise DownloadError(
                f"no pinned checksum for {source}; pass --sha256 HEX with the sha256 of an archive "
                "you have checked yourself"
            )
        target = root / arc.dest if arc.dest else root
        if _occupied(target) and not force:
            raise DownloadError(f"{target} already exists; pass --force to replace it")
        with tempfile.TemporaryDirectory(prefix="argmine-dl-") as tmp:
            file = Path(tmp) / "archive"
            log(f"downloading {source}")
            got = fetch(source, file)
            if got != expected:
                raise DownloadError(f"checksum mismatch for {source}: expected sha256 {expected}, got {got}")
            install_archive(file, target, force=force)
        log(f"extracted {arc.corpus} {arc.name} into {target}")
        done.append(target)
    return done

"""`argmine data download` against a local HTTP server on 127.0.0.1 with archives built here."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from argmine.cli import main
from argmine.corpora.download import (
    ARCHIVES,
    DownloadError,
    download,
    install_archive,
    safe_extract,
)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _zip(path: Path, members: dict[str, str]) -> str:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tar(path: Path, add) -> str:
    with tarfile.open(path, "w:gz") as tf:
        add(tf)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file(tf: tarfile.TarFile, name: str, data: bytes = b"x") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))


def _link(tf: tarfile.TarFile, name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    tf.addfile(info)


GOOD = {"repo-abc123/corpus/a.xml": "<arggraph/>", "repo-abc123/README.md": "written for the test"}


def test_pinned_table_is_honest() -> None:
    assert {a.name for a in ARCHIVES["microtexts"]} == {"part1", "part2"}
    assert all(a.sha256 is None for archives in ARCHIVES.values() for a in archives)


def test_good_archive_via_cli(server, tmp_path: Path, capsys) -> None:
    url, served = server
    sha = _zip(served / "part1.zip", GOOD)
    root = tmp_path / "data" / "arg_microtexts"
    rc = main(["data", "download", "microtexts", "--root", str(root), "--part", "1",
               "--url", f"{url}/part1.zip", "--sha256", sha])
    assert rc == 0
    assert (root / "part1" / "corpus" / "a.xml").read_text() == "<arggraph/>"  # top folder stripped
    assert f"microtexts is ready in {root}" in capsys.readouterr().out
    assert [p.name for p in root.iterdir()] == ["part1"]  # no temporary folders left behind
    # a second download needs --force
    rc = main(["data", "download", "microtexts", "--root", str(root), "--part", "1",
               "--url", f"{url}/part1.zip", "--sha256", sha])
    assert rc == 1 and "already exists; pass --force" in capsys.readouterr().err
    (served / "v2.zip").unlink(missing_ok=True)
    sha2 = _zip(served / "v2.zip", {"top/corpus/b.xml": "<arggraph/>"})
    assert main(["data", "download", "microtexts", "--root", str(root), "--part", "1",
                 "--url", f"{url}/v2.zip", "--sha256", sha2, "--force"]) == 0
    assert sorted(p.name for p in (root / "part1" / "corpus").iterdir()) == ["b.xml"]


def test_refuses_without_checksum(tmp_path: Path, capsys) -> None:
    rc = main(["data", "download", "cdcp", "--root", str(tmp_path / "cdcp")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "no pinned checksum for https://facultystaff.richmond.edu/~jpark/data/cdcp_acl17.zip" in err
    assert "pass --sha256" in err
    assert not (tmp_path / "cdcp").exists()


def test_bad_checksum_leaves_nothing(server, tmp_path: Path) -> None:
    url, served = server
    _zip(served / "c.zip", GOOD)
    with pytest.raises(DownloadError, match=r"checksum mismatch for .*c\.zip: expected sha256 0{64}, got"):
        download("cdcp", tmp_path / "cdcp", url=f"{url}/c.zip", sha256="0" * 64, log=lambda m: None)
    assert not (tmp_path / "cdcp").exists()


def test_http_error_names_the_url(server, tmp_path: Path) -> None:
    url, _ = server
    with pytest.raises(DownloadError, match=r"download of .*/missing\.zip failed: HTTP Error 404"):
        download("cdcp", tmp_path / "cdcp", url=f"{url}/missing.zip", sha256="0" * 64, log=lambda m: None)


def test_unknown_corpus_and_ambiguous_url(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="'aae2' has no public download address"):
        download("aae2", tmp_path, sha256="0" * 64)
    with pytest.raises(DownloadError, match="choose one with --part"):
        download("microtexts", tmp_path, url="http://127.0.0.1:1/x.zip", sha256="0" * 64)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../evil.txt": "x"}, "'..' in path"),
        ({"ok/../../evil.txt": "x"}, "'..' in path"),
        ({"/etc/evil.txt": "x"}, "absolute path"),
    ],
)
def test_zip_traversal_is_rejected(server, tmp_path: Path, members, message) -> None:
    url, served = server
    sha = _zip(served / "bad.zip", members)
    with pytest.raises(DownloadError, match=message):
        download("cdcp", tmp_path / "data" / "cdcp", url=f"{url}/bad.zip", sha256=sha, log=lambda m: None)
    assert not (tmp_path / "data" / "cdcp").exists()
    assert not (tmp_path / "evil.txt").exists() and not list((tmp_path / "data").iterdir())


def test_zip_symlink_member_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("top/link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "../../../etc/passwd")
    with pytest.raises(DownloadError, match="symlink to '../../../etc/passwd' points outside"):
        install_archive(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda tf: _link(tf, "top/passwd", "/etc/passwd"), "symlink to '/etc/passwd' points outside"),
        (lambda tf: _link(tf, "top/up", "../../x"), "symlink to '../../x' points outside"),
        (lambda tf: _link(tf, "top/h", "../outside", tarfile.LNKTYPE), "hard link to '../outside'"),
        (lambda tf: _file(tf, "../evil"), "'..' in path"),
        (lambda tf: _file(tf, "/abs"), "absolute path"),
    ],
)
def test_tar_links_and_traversal_are_rejected(server, tmp_path: Path, build, message) -> None:
    url, served = server
    sha = _tar(served / "bad.tar.gz", build)
    with pytest.raises(DownloadError, match=message):
        download("cdcp", tmp_path / "cdcp", url=f"{url}/bad.tar.gz", sha256=sha, log=lambda m: None)
    assert not (tmp_path / "cdcp").exists()


def test_tar_with_inside_symlink_is_extracted(server, tmp_path: Path) -> None:
    url, served = server

    def build(tf: tarfile.TarFile) -> None:
        _file(tf, "top/train/1.txt", b"a comment written for the test")
        _link(tf, "top/latest.txt", "train/1.txt")

    sha = _tar(served / "ok.tar.gz", build)
    (tmp_path / "cdcp").mkdir()  # an empty existing folder is fine without --force
    download("cdcp", tmp_path / "cdcp", url=f"{url}/ok.tar.gz", sha256=sha, log=lambda m: None)
    assert (tmp_path / "cdcp" / "latest.txt").read_text() == "a comment written for the test"


def test_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "plain.bin"
    path.write_bytes(b"hello")
    with pytest.raises(DownloadError, match="neither a zip nor a tar archive"):
        safe_extract(path, tmp_path)

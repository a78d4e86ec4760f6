"""An Optuna study on a real PostgreSQL server: two workers draw exactly ``n_trials``, and a
server that is down is one line while the stored trials stay intact.

The server is a throw-away cluster started here with Debian's PostgreSQL binaries
(``scripts/install_test_postgres.sh``, run by ``.ci/run``) on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import missing, require_module, run_argmine
from tests.e2e.test_optuna_workers import FINISHED, STUDY, TINY

pytestmark = [pytest.mark.slow, pytest.mark.service]

optuna = require_module("optuna")


class Server:
    """A PostgreSQL cluster in a temporary folder, run as the ``postgres`` user under root."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="argmine-pg-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        done = self._run(str(self.bindir / "initdb"), "-D", str(self.folder / "data"), "-U", "postgres",
                         "-A", "trust", "--no-sync")
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-o", options,
                         "-l", str(self.folder / "server.log"), "start")
        assert done.returncode == 0, done.stderr + done.stdout

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        missing("PostgreSQL server binaries (scripts/install_test_postgres.sh installs Debian's postgresql)")
    require_module("psycopg", "the PostgreSQL driver (pip install 'psycopg[binary]'; in argmine's dev and cluster extras)")
    pg = Server(Path(found[-1]).parent)
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(pg.folder, ignore_errors=True)


def test_two_workers_on_a_postgresql_study_run_exactly_n_trials(server: Server, tmp_path: Path) -> None:
    args = ["train", "-m", *TINY, "hydra.sweeper.n_jobs=2", f"hydra.sweeper.storage={server.url}",
            "hydra.sweeper.heartbeat_interval=5", f"paths.root_dir={tmp_path}"]
    proc = run_argmine(*args, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = optuna.load_study(study_name=STUDY, storage=server.url).get_trials()
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == 6 and len({t.number for t in finished}) == 6
    assert all(t.user_attrs.get("argmine_surplus") for t in trials if t not in finished)
    folders = {p.parent.name for p in (tmp_path / "train" / "sweeps" / STUDY).glob("*/metrics.json")}
    assert folders == {str(t.number) for t in finished}

    # the server goes down: one line naming the storage, and the stored study is intact after
    server.stop()
    try:
        down = run_argmine(*args, timeout=300)
    finally:
        server.start()
    assert down.returncode == 1
    lines = [line for line in down.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in down.stderr, down.stderr[-3000:]
    assert f"hydra.sweeper.storage={server.url}: cannot open the study's storage" in lines[0]
    again = optuna.load_study(study_name=STUDY, storage=server.url).get_trials()
    assert [(t.number, t.state, t.params) for t in again] == [(t.number, t.state, t.params) for t in trials]


def test_a_worker_that_loses_the_server_stops_with_one_line(server: Server, tmp_path: Path) -> None:
    study = "lost_server"
    args = ["train", "-m", *TINY, "hydra.sweeper.n_trials=12", f"hydra.sweeper.storage={server.url}",
            f"hydra.sweeper.study_name={study}", f"paths.root_dir={tmp_path}"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "WANDB_MODE": "disabled"}
    proc = subprocess.Popen([sys.executable, "-m", "argmine.cli", *args], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    complete = []
    while len(complete) < 2:  # two trials told, then the database goes down under the worker
        assert proc.poll() is None and time.monotonic() < deadline, "the sweep ended or stalled"
        time.sleep(0.2)
        try:
            complete = [t for t in optuna.load_study(study_name=study, storage=server.url).get_trials()
                        if t.state == optuna.trial.TrialState.COMPLETE]
        except KeyError:  # the study is not created yet
            continue
    server.stop()
    try:
        _, stderr = proc.communicate(timeout=240)
    finally:
        server.start()
    assert proc.returncode == 1 and "Traceback" not in stderr, stderr[-3000:]
    [line] = [x for x in stderr.splitlines() if "error:" in x]
    assert f"hydra.sweeper.storage={server.url}: lost the study's storage" in line
    after = {t.number: t for t in optuna.load_study(study_name=study, storage=server.url).get_trials()}
    for t in complete:  # what was stored before stays as it was
        assert after[t.number].state == t.state and after[t.number].value == t.value

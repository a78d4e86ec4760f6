#!/bin/sh
# Debian's PostgreSQL server for tests/e2e/test_optuna_postgres.py (the test starts its own
# throw-away cluster with these binaries; installing them needs root).
set -eu
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  ls /usr/lib/postgresql/*/bin/initdb | tail -n 1
  exit 0
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
ls /usr/lib/postgresql/*/bin/initdb | tail -n 1

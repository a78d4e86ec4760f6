#!/bin/sh
# Install Debian's headless-capable Chromium for tests/e2e/test_html_chromium.py (needs root).
set -eu
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
chromium --version

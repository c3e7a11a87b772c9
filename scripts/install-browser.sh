#!/usr/bin/env bash
# Installs Debian's Chromium for the UI's browser tests when it is missing.
# Idempotent: a machine that already has /usr/bin/chromium returns at once. Playwright never
# downloads a browser of its own here (no network beyond package registries), so it drives this one.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core

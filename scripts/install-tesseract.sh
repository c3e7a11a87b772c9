#!/usr/bin/env bash
# Installs Debian's Tesseract OCR engine, its English model and its orientation model (osd, which
# finds pages scanned sideways or upside down), which read scanned PDFs and images. Idempotent: a
# machine whose `tesseract` already has both returns at once. More languages are Debian packages too
# (tesseract-ocr-deu, tesseract-ocr-fra, ...), named in `ocr_languages`.
set -euo pipefail

if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx osd; then
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd

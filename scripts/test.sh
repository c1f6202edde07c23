#!/usr/bin/env bash
# Install the test dependencies and run every test (Python and Node). Called by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
# The pinned CPU build of PyTorch first: a bare "torch" requirement would pull a multi-GB CUDA build.
python -m pip install -q torch==2.13.0
python -m pip install -q -e '.[test]'
if [ -f max_for_live/package.json ]; then
  npm ci --prefix max_for_live --no-audit --no-fund --silent
  node --test max_for_live/tests/
fi
python -m pytest -q -p no:cacheprovider "$@"

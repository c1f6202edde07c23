#!/usr/bin/env bash
# Install every test dependency and run every test (Node and Python). The README's test command;
# .ci/run calls it. Extra arguments go to pytest (e.g. `bash scripts/test.sh -x tests/test_cli.py`).
#
# 1. Debian tools the tests drive, through apt-get when this runs as root or with sudo (set
#    CADENZA_NO_APT=1 to leave the system alone). A tool that is still missing makes the tests that
#    need it SKIP with one line naming the package; pytest's summary lists them by package.
# 2. A virtual environment (.venv, or the one already active; Debian 12 refuses a bare pip), with
#    PyTorch's CPU wheel (the index's default torch is the CUDA build, gigabytes of nvidia-*) and
#    the package with its train and test extras.
# 3. The Max for Live device's Node tests (skipped, with a line, where node/npm are missing).
# 4. pytest.
set -uo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(liblo-tools puredata-core lua5.4 fluidsynth fluid-soundfont-gm mma supercollider-language
                 nodejs npm python3-venv)
TORCH_CPU_INDEX="https://download.pytorch.org/whl/cpu"
TORCH_VERSION="2.13.0"

say() { echo "test.sh: $*" >&2; }

install_debian_tools() {
  [ "${CADENZA_NO_APT:-0}" = "1" ] && { say "CADENZA_NO_APT=1: not installing Debian packages"; return; }
  command -v apt-get >/dev/null || { say "no apt-get: install ${DEBIAN_PACKAGES[*]} yourself"; return; }
  local sudo=()
  if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      say "not root and no password-less sudo: not installing ${DEBIAN_PACKAGES[*]} (tests needing them skip)"
      return
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq || say "apt-get update failed; trying the install anyway"
  # One at a time, so a package this release lacks does not stop the others.
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 && continue
    case "$pkg" in  # Node from elsewhere (NodeSource, nvm) clashes with Debian's packages: keep it
      nodejs) command -v node >/dev/null && continue ;;
      npm) command -v npm >/dev/null && continue ;;
    esac
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null \
      || say "apt-get could not install $pkg; the tests that need it will skip"
  done
}

python_env() {
  if [ -n "${VIRTUAL_ENV:-}" ]; then
    PY="$VIRTUAL_ENV/bin/python"
  else
    [ -x .venv/bin/python ] || python3 -m venv .venv || { say "python3 -m venv failed: apt-get install python3-venv"; exit 1; }
    PY="$PWD/.venv/bin/python"
  fi
  "$PY" -m pip install -q --upgrade pip
  # Pinned, with PyTorch's CPU index as an extra index: its 2.13.0+cpu outranks the index's CUDA
  # 2.13.0 (a local version sorts higher), and a machine with that wheel on disk takes it offline.
  # --no-deps keeps the extra index to this one look-up (torch's own needs come with the extras
  # below, from the default index); --retries 0: an unreachable index costs seconds, not minutes.
  if ! "$PY" -c "import torch" 2>/dev/null; then
    "$PY" -m pip install -q --no-deps --retries 0 --timeout 15 "torch==$TORCH_VERSION" \
      --extra-index-url "$TORCH_CPU_INDEX" \
      || { say "could not install torch $TORCH_VERSION (CPU build) from $TORCH_CPU_INDEX"; exit 1; }
  fi
  "$PY" -m pip install -q -e '.[train,test]' || { say "pip install -e '.[train,test]' failed"; exit 1; }
}

node_tests() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "SKIPPED the Max for Live Node tests: Debian packages nodejs and npm are missing (apt-get install nodejs npm)"
    return 0
  fi
  [ -f max_for_live/package.json ] || return 0
  # The end-to-end tests start `cadenza serve` (or $PYTHON -m bridge.cli): the environment's, not
  # whatever python3 comes first on the PATH (on a fresh machine that one has none of the package's needs).
  PATH="$(dirname "$PY"):$PATH" PYTHON="$PY" \
    npm ci --prefix max_for_live --no-audit --no-fund --silent \
    && PATH="$(dirname "$PY"):$PATH" PYTHON="$PY" node --test max_for_live/tests/
}

install_debian_tools
python_env
node_tests
node_rc=$?
"$PY" -m pytest -q -p no:cacheprovider "$@"
py_rc=$?
[ "$node_rc" = "0" ] || say "the Node tests failed (exit $node_rc)"
[ "$py_rc" = "0" ] && exit "$node_rc"
exit "$py_rc"

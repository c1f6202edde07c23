"""What the REAPER actions need from the `cadenza` CLI, checked against the real CLI: every flag
they pass exists, the daemon-down answer is a JSON file that says how to start the daemon, and
the client starts without importing torch (REAPER waits on it)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CADENZA_DIR = REPO / "reaper_scripts" / "Cadenza"
COMMON = {"--host", "--port", "--role", "--temperature", "--variations", "--timeout", "--model", "--style",
          "--mood", "--key", "--in", "--out", "--prompt", "--seed", "--top-p", "--density", "--pitch-low",
          "--pitch-high", "--scale-lock", "--guidance",
          "--progress", "--cancel-file"}
GROOVE = {"--host", "--port", "--role", "--amount", "--swing", "--temperature", "--variations", "--timeout", "--model",
          "--style", "--seed", "--in", "--out", "--progress", "--cancel-file"}
BY_OPERATION = {
    "generate": ("Cadenza - Generate at edit cursor.lua", COMMON - {"--in"} | {"--bars", "--meter", "--tempo"}),
    "continue": ("Cadenza - Continue selected MIDI item.lua", COMMON | {"--bars"}),
    "restyle": ("Cadenza - Restyle selected MIDI item.lua", COMMON | {"--strength", "--preserve"}),
    "infill": ("Cadenza - Infill time selection.lua", COMMON | {"--start-bar", "--end-bar"}),
    # every common option but --variations (and --in: two clips instead), plus --a, --b, --steps
    "interpolate": ("Cadenza - Interpolate two selected MIDI items.lua",
                    COMMON - {"--variations", "--in"} | {"--a", "--b", "--steps"}),
    # every common option but --in: one --context ROLE=FILE per other track instead; --fit (0-2)
    "accompany": ("Cadenza - Accompany selected track from the other tracks.lua",
                  COMMON - {"--in"} | {"--context", "--fit"}),
    # groove keeps the clip's bars, key and meter: only these (docs/PROTOCOL.md, Groove)
    "groove": ("Cadenza - Groove selected MIDI item.lua", GROOVE),
    # restyle role drums preserve rhythm: every common option but --role and --key, and --strength
    # a band is generate --roles: every option of generate but --role
    "band": ("Cadenza - Band loop on the selected tracks.lua", COMMON - {"--in", "--role"} | {"--roles", "--bars", "--meter", "--tempo"}),
    "drumify": ("Cadenza - Drumify selected MIDI item.lua", COMMON - {"--role", "--key", "--scale-lock"} | {"--strength"}),
}
INTERPOLATE_FLAGS = {"--a", "--b", "--steps"}  # what the library passes for interpolate only
ACCOMPANY_FLAGS = {"--context", "--fit"}  # ... and for accompany only
GROOVE_FLAGS = {"--amount", "--swing"}  # ... and for groove only


def run_cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout)


@pytest.mark.parametrize("op", sorted(BY_OPERATION))
def test_every_flag_the_action_passes_exists(op):
    script, flags = BY_OPERATION[op]
    in_script = set(re.findall(r'"(--[a-z][a-z-]*)"', (CADENZA_DIR / script).read_text()))
    assert in_script <= flags, f"{script} passes flags outside the expected contract: {in_script - flags}"
    help_run = run_cli({"band": "generate"}.get(op, op), "--help")  # a band loop is `cadenza generate --roles`
    if op == "interpolate" and help_run.returncode != 0 and "No such command" in help_run.stderr:
        pytest.skip("`cadenza interpolate` is built on another branch; this runs once it is merged")
    help_text = help_run.stdout
    missing = [f for f in sorted(flags) if not re.search(rf"(^|[\s,]){re.escape(f)}[\s,=]", help_text)]
    assert not missing, f"`cadenza {op}` lacks {missing}"


def test_library_flags_are_in_the_contract():
    lib = (CADENZA_DIR / "cadenza_lib.lua").read_text()
    assert set(re.findall(r'"(--[a-z][a-z-]*)"', lib)) | {"--model", "--style", "--mood", "--key"} <= \
        COMMON | {"--strength", "--preserve"} | INTERPOLATE_FLAGS | ACCOMPANY_FLAGS | GROOVE_FLAGS


def test_daemon_down_answer_file(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "answer.json"
    r = run_cli("generate", "--host", "127.0.0.1", "--port", str(port), "--bars", "2", "--out", str(out))
    assert r.returncode == 1 and r.stderr.startswith("cadenza: ")
    answer = json.loads(out.read_text())
    assert answer["ok"] is False and answer["error"]["code"] == "unavailable"
    assert "cadenza serve" in answer["error"]["message"]
    assert [p.name for p in tmp_path.iterdir()] == ["answer.json"], "written atomically, nothing left over"


def test_client_does_not_import_torch(tmp_path):
    code = (
        "import sys\n"
        "from bridge.cli import main\n"
        f"sys.argv = ['cadenza', 'generate', '--port', '9', '--timeout', '2', '--out', {str(tmp_path / 'a.json')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert r.stdout.strip().endswith("NO-TORCH"), r.stdout + r.stderr


def test_the_model_menu_query(tmp_path):
    """The Settings model menu runs `cadenza models --json --host H --port P` and reads its
    output; with no daemon it relies on exit code 1 and one `cadenza: ...` line on stderr."""
    lua = (CADENZA_DIR / "cadenza" / "models.lua").read_text()
    flags = set(re.findall(r'"(--[a-z][a-z-]*)"', lua))
    assert flags == {"--json", "--host", "--port"} and '"models"' in lua
    help_text = run_cli("models", "--help").stdout
    assert all(re.search(rf"(^|[\s,]){re.escape(f)}[\s,=]", help_text) for f in flags), help_text
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = run_cli("models", "--json", "--host", "127.0.0.1", "--port", str(port))
    assert r.returncode == 1 and r.stdout == ""
    assert re.fullmatch(r"cadenza: [^\n]+\n", r.stderr) and "cadenza serve" in r.stderr, r.stderr

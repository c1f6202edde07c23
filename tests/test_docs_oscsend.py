"""Every `oscsend` example in docs/PROTOCOL.md and the README, run as written through liblo's real
`oscsend` against a real daemon (only the port is changed), with `oscdump` listening where the
examples send their replies: each type tag string matches its arguments, and every request that
names a reply port gets its answer, not an error."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from tools import tool

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "docs" / "PROTOCOL.md", REPO / "README.md"]
DOC_PORT, DOC_REPLY_PORT = "7500", "7501"


def examples(path: Path) -> list[list[str]]:
    """The oscsend command lines of a page's ```sh blocks, in order, as argument lists."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", path.read_text(), re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("oscsend "):
                out.append(shlex.split(line))
    return out


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_type_tag_string_matches_its_arguments(path):
    cmds = examples(path)
    assert cmds, f"no oscsend example in {path}"
    for argv in cmds:
        _, host, port, address, tags, *args = argv
        assert (host, port) == ("127.0.0.1", DOC_PORT) and address.startswith("/cadenza/")
        assert len(tags) == len(args), f"{' '.join(argv)}: {len(tags)} type tags for {len(args)} arguments"


def test_the_checker_catches_a_missing_type_tag(tmp_path):
    """The old continue example (4 arguments, 3 type tags) fails the check above."""
    page = tmp_path / "old.md"
    page.write_text("```sh\noscsend 127.0.0.1 7500 /cadenza/clip/begin ifs 8 8.0 meter 4/4\n```\n")
    with pytest.raises(AssertionError, match="3 type tags for 4 arguments"):
        test_every_type_tag_string_matches_its_arguments(page)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_the_examples_get_replies_from_a_real_daemon(daemon, path):
    oscsend, oscdump = tool("oscsend"), tool("oscdump")
    reply_port = free_udp_port()
    dump = subprocess.Popen([oscdump, "-L", str(reply_port)], stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(dump.stdout.readline, "")), daemon=True).start()
    waiting = {}  # request id -> its address, for requests that name a reply port
    try:
        time.sleep(0.3)
        for argv in examples(path):
            args = [str(daemon.port) if a == DOC_PORT and i == 2 else str(reply_port) if a == DOC_REPLY_PORT else a
                    for i, a in enumerate(argv)]
            args[0] = oscsend
            r = subprocess.run(args, capture_output=True, text=True, timeout=10)
            assert r.returncode == 0, f"{' '.join(argv)}: {r.stderr}"
            if "reply_port" in argv:
                waiting[argv[5]] = argv[3]
            time.sleep(0.1)  # oscsend is UDP: keep the uploads in order
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(_answered(lines, i, a) for i, a in waiting.items()):
            time.sleep(0.1)
    finally:
        dump.kill()
    text = "".join(lines)
    assert "/cadenza/error" not in text, text
    for req_id, address in waiting.items():
        assert _answered(lines, req_id, address), f"no answer to {address} id {req_id}:\n{text}"


def _answered(lines: list[str], req_id: str, address: str) -> bool:
    """A ping's pong, or any other request's done, with that id (oscdump: address types args...)."""
    want = "/cadenza/pong" if address.endswith("/ping") else "/cadenza/done"
    for line in list(lines):
        words = line.split()
        words = words[1:] if words and not words[0].startswith("/") else words  # oscdump's timestamp
        if words[:1] == [want] and words[2:3] == [req_id]:
            return True
    return False

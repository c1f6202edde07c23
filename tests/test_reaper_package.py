"""The REAPER scripts as files: Lua 5.4 syntax (`luac5.4 -p`), complete ReaPack headers, and an
index.xml that lists every action with its version and is up to date with the headers."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest
from tools import tool

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "reaper_scripts"
LUA_FILES = sorted(SCRIPTS.rglob("*.lua"))
ACTIONS = {
    "Cadenza - Generate at edit cursor.lua",
    "Cadenza - Continue selected MIDI item.lua",
    "Cadenza - Restyle selected MIDI item.lua",
    "Cadenza - Infill time selection.lua",
    "Cadenza - Interpolate two selected MIDI items.lua",
    "Cadenza - Accompany selected track from the other tracks.lua",
    "Cadenza - Groove selected MIDI item.lua",
    "Cadenza - Drumify selected MIDI item.lua",
    "Cadenza - Band loop on the selected tracks.lua",
    "Cadenza - Settings.lua",
}


def _build_index_module():
    spec = importlib.util.spec_from_file_location("build_index", SCRIPTS / "build_index.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_index"] = mod  # dataclasses look their module up while building
    spec.loader.exec_module(mod)
    return mod


bi = _build_index_module()


def test_every_action_exists():
    names = {p.name for p in LUA_FILES}
    assert ACTIONS <= names, ACTIONS - names


@pytest.mark.parametrize("path", LUA_FILES, ids=lambda p: p.name)
def test_luac_syntax(path):
    r = subprocess.run([tool("luac5.4"), "-p", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_luac_catches_a_broken_script(tmp_path):
    """The syntax check can fail."""
    bad = tmp_path / "bad.lua"
    bad.write_text("local x = = 1\n")
    assert subprocess.run([tool("luac5.4"), "-p", str(bad)], capture_output=True).returncode != 0


def test_every_package_header_is_complete():
    packages = bi.load_packages()
    by_name = {p.file.name: p for p in packages}
    assert set(by_name) == ACTIONS | {"cadenza_lib.lua"}
    for pkg in packages:
        for tag in bi.REQUIRED_TAGS:
            assert pkg.tags.get(tag), f"{pkg.file.name}: @{tag} missing"
        assert re.fullmatch(r"\d+\.\d+\.\d+", pkg.tags["version"])
        assert pkg.tags["description"].startswith("Cadenza: ")
    for name in ACTIONS:
        assert [(s.path, s.main) for s in by_name[name].sources] == [(".", "main")], name
    lib = by_name["cadenza_lib.lua"]
    assert all(s.main is None for s in lib.sources), "the library registers no action ([nomain])"
    assert {s.path for s in lib.sources} == {".", "cadenza/json.lua", "cadenza/settings.lua",
                                             "cadenza/cli.lua", "cadenza/midi.lua",
                                             "cadenza/serve.lua", "cadenza/progress.lua", "cadenza/models.lua",
                                             "cadenza/context.lua"}


def test_every_lua_file_ships_in_some_package():
    provided = set()
    for pkg in bi.load_packages():
        for s in pkg.sources:
            provided.add((pkg.file if s.path == "." else pkg.file.parent / s.path).resolve())
    assert {p.resolve() for p in LUA_FILES} == provided


def pending_packages() -> set[str]:
    """Packages committed (or changed) with a new @version whose index entry comes in the next
    commit, as `build_index.py --check` allows."""
    old = (REPO / "index.xml").read_text(encoding="utf-8")
    head = bi.git("rev-parse", "HEAD")
    out = set()
    for pkg in bi.load_packages():
        commit = bi.pinned_commit(pkg, allow_dirty=True)
        if (commit is None or commit == head) and (pkg.file.name, pkg.tags["version"]) not in bi.indexed_versions(old):
            out.add(pkg.file.name)
    return out


def test_index_lists_every_action_with_its_version():
    root = ET.parse(REPO / "index.xml").getroot()
    assert root.tag == "index" and root.get("version") == "1" and root.get("name") == "Cadenza"
    headers = {p.file.name: p.tags for p in bi.load_packages()}
    pending = pending_packages()
    seen = {}
    for cat in root.findall("category"):
        assert cat.get("name") == "Cadenza"
        for pkg in cat.findall("reapack"):
            assert pkg.get("type") == "script"
            (ver,) = pkg.findall("version")
            seen[pkg.get("name")] = ver.get("name")
            tags = headers[pkg.get("name")]
            assert pkg.get("desc") == tags["description"]
            assert ver.get("author") == tags["author"]
            if ver.get("name") != tags["version"] and pkg.get("name") in pending:
                seen[pkg.get("name")] = tags["version"]  # committed, index not rebuilt yet (as --check allows)
            else:
                assert ver.find("changelog").text == tags["changelog"]
            assert pkg.find("metadata/description").text.startswith("{\\rtf1")
            for src in ver.findall("source"):
                url = src.text
                m = re.match(r"^https://github\.com/[^/]+/[^/]+/raw/([0-9a-f]{40})/(reaper_scripts/Cadenza/.+)$", url)
                assert m, f"not pinned to a commit: {url}"
                local = REPO / unquote(m.group(2))
                assert local.is_file(), url
                if pkg.get("name") in ACTIONS:
                    assert src.get("main") == "main" and src.get("file") is None
                    assert local.name == pkg.get("name")
                else:
                    assert src.get("main") is None
    assert seen == {name: tags["version"] for name, tags in headers.items()}
    assert ACTIONS <= set(seen)


def test_index_is_up_to_date():
    assert bi.main(["--check"]) == 0, "index.xml is stale: run python reaper_scripts/build_index.py"


def test_generator_rejects_an_incomplete_header(tmp_path, monkeypatch):
    cat = tmp_path / "reaper_scripts" / "Cat"
    cat.mkdir(parents=True)
    (cat / "x.lua").write_text("-- @description Cadenza: x\n-- @version 1.0.0\n-- @provides [main] .\nreturn 1\n")
    monkeypatch.setattr(bi, "SCRIPTS_DIR", tmp_path / "reaper_scripts")
    with pytest.raises(bi.HeaderError, match="missing @author, @about, @changelog"):
        bi.load_packages(tmp_path / "reaper_scripts")


def test_generator_rejects_a_file_provided_twice(tmp_path, monkeypatch):
    cat = tmp_path / "reaper_scripts" / "Cat"
    cat.mkdir(parents=True)
    head = "-- @description Cadenza: {0}\n-- @version 1.0.0\n-- @author a\n-- @about\n--   about\n" \
           "-- @changelog\n--   first\n-- @provides\n--   [main] .\n--   [nomain] shared.lua\n"
    (cat / "a.lua").write_text(head.format("a"))
    (cat / "b.lua").write_text(head.format("b"))
    (cat / "shared.lua").write_text("-- @noindex\nreturn {}\n")
    monkeypatch.setattr(bi, "SCRIPTS_DIR", tmp_path / "reaper_scripts")
    with pytest.raises(bi.HeaderError, match="provided by both"):
        bi.load_packages(tmp_path / "reaper_scripts")


def test_header_reader_keeps_multiline_about():
    tags = bi.read_header(SCRIPTS / "Cadenza" / "Cadenza - Generate at edit cursor.lua")
    assert tags["about"].startswith("# Cadenza: Generate at edit cursor\n\nAsks the Cadenza daemon")
    assert "cadenza serve" in tags["about"]
    assert tags["provides"] == "[main] ."


# ---- download links pinned to a commit (as reapack-index pins them) -------------------------

def _git(*args, cwd=REPO):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True).stdout


def test_every_source_url_names_a_commit_that_holds_that_version_of_the_file():
    """An installed version never changes under the user: the commit in each link holds the file
    with the very @version the index offers (and, unless it is pending, the very bytes)."""
    if _git("rev-parse", "--is-shallow-repository").strip() == b"true":
        pytest.skip("a shallow clone lacks the pinned commits: git fetch --unshallow")
    root = ET.parse(REPO / "index.xml").getroot()
    for pkg in root.iter("reapack"):
        (ver,) = pkg.findall("version")
        for src in ver.findall("source"):
            commit, path = re.search(r"/raw/([0-9a-f]{40})/(.+)$", src.text).groups()
            path = unquote(path)
            at_commit = _git("show", f"{commit}:{path}")
            if path.endswith(pkg.get("name")):
                assert re.search(rb"^-- @version " + re.escape(ver.get("name").encode()) + rb"$", at_commit, re.M)
            changed_since = _git("log", "--format=%H", f"{commit}..HEAD", "--", path).strip() or \
                _git("status", "--porcelain", "--", path).strip()
            if not changed_since:  # not pending: the link's bytes are the file's bytes
                assert at_commit == (REPO / path).read_bytes(), path


def test_the_repository_address_comes_from_the_git_remote(tmp_path):
    assert bi.web_address("git@github.com:jane/cadenza.git") == "https://github.com/jane/cadenza"
    assert bi.web_address("https://github.com/jane/cadenza.git") == "https://github.com/jane/cadenza"
    assert bi.web_address("https://token@github.com/jane/cadenza/") == "https://github.com/jane/cadenza"
    _git("init", "-q", cwd=tmp_path)
    with pytest.raises(bi.HeaderError, match="pass --repo"):
        bi.repo_from_remote(tmp_path)
    _git("remote", "add", "origin", "git@github.com:jane/fork.git", cwd=tmp_path)
    assert bi.repo_from_remote(tmp_path) == "https://github.com/jane/fork"


def _one_package_repo(tmp_path, monkeypatch, version="1.0.0", body="return 1\n"):
    cat = tmp_path / "reaper_scripts" / "Cat"
    cat.mkdir(parents=True, exist_ok=True)
    (cat / "x.lua").write_text(f"-- @description Cadenza: x\n-- @version {version}\n-- @author a\n-- @about\n"
                               f"--   about\n-- @changelog\n--   v{version}\n-- @provides\n--   [main] .\n{body}")
    monkeypatch.setattr(bi, "ROOT", tmp_path)
    monkeypatch.setattr(bi, "SCRIPTS_DIR", tmp_path / "reaper_scripts")
    return cat / "x.lua"


def test_a_package_must_be_committed_and_bumped_before_it_is_indexed(tmp_path, monkeypatch):
    _git("init", "-q", cwd=tmp_path)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "root", cwd=tmp_path)
    _one_package_repo(tmp_path, monkeypatch)
    (pkg,) = bi.load_packages(tmp_path / "reaper_scripts")
    with pytest.raises(bi.HeaderError, match="commit its files first"):
        bi.pinned_commit(pkg, tmp_path)
    _git("add", "-A", cwd=tmp_path)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x 1.0.0", cwd=tmp_path)
    first = bi.pinned_commit(pkg, tmp_path)
    index = bi.build_index([pkg], "https://github.com/jane/fork", {pkg.file: first})
    assert f"https://github.com/jane/fork/raw/{first}/reaper_scripts/Cat/x.lua" in index
    # The file changes, the version does not: the indexed 1.0.0 would change under its users.
    _one_package_repo(tmp_path, monkeypatch, body="return 2\n")
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-am", "x changed", cwd=tmp_path)
    (pkg,) = bi.load_packages(tmp_path / "reaper_scripts")
    second = bi.pinned_commit(pkg, tmp_path)
    assert second != first
    with pytest.raises(bi.HeaderError, match="bump @version"):
        bi.check_versions_frozen([pkg], {pkg.file: second}, index, tmp_path)
    # An index pinned to a commit this history lacks (built on commits that never landed)
    # freezes nothing: that version is pinned again.
    lost = index.replace(first, "0" * 40)
    bi.check_versions_frozen([pkg], {pkg.file: second}, lost, tmp_path)
    _one_package_repo(tmp_path, monkeypatch, version="1.0.1", body="return 2\n")
    (pkg,) = bi.load_packages(tmp_path / "reaper_scripts")
    bi.check_versions_frozen([pkg], {pkg.file: second}, index, tmp_path)  # a new version may name a new commit

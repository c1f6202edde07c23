#!/bin/sh
# Fetch the Debian packages that hold MIDI (freedoom, simutrans-data, openttd-openmsx) and
# unpack them without installing anything, where `cadenza data build` looks for them.
#   usage: scripts/fetch_debian_midi.sh [CACHE_DIR]
# CACHE_DIR defaults to the builder's cache: $XDG_CACHE_HOME/cadenza/data (~/.cache/cadenza/data).
# The .deb files land in CACHE_DIR/debian/debs, their contents in CACHE_DIR/debian/root.
set -eu
CACHE="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/cadenza/data}"
DEBS="$CACHE/debian/debs"
ROOT="$CACHE/debian/root"
mkdir -p "$DEBS" "$ROOT"
for pkg in freedoom simutrans-data openttd-openmsx; do
    if [ -e "$ROOT/.$pkg.unpacked" ]; then
        echo "$pkg: already unpacked"
        continue
    fi
    if ! ls "$DEBS/${pkg}"_*.deb >/dev/null 2>&1; then
        (cd "$DEBS" && apt-get download "$pkg") || {
            echo "apt-get download $pkg failed; run 'apt-get update' and try again" >&2
            exit 1
        }
    fi
    deb=$(ls "$DEBS/${pkg}"_*.deb | tail -n 1)
    dpkg-deb -x "$deb" "$ROOT"
    basename "$deb" > "$ROOT/.$pkg.unpacked"
    echo "$pkg: unpacked $(basename "$deb")"
done
echo "MIDI sources ready under $ROOT"

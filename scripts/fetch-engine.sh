#!/usr/bin/env bash
# Fetches the faster unicorn engine into ntrace's private cache, from Debian's packages, without
# installing it or changing the machine's package configuration:
#   <cache>/engine/libunicorn.so.2   unicorn 2.1.1 (Debian trixie's libunicorn2t64)
#   <cache>/engine/VERSION           its package and version
# <cache> is $NTRACE_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/ntrace. Idempotent; never
# fatal: without it ntrace runs on the system's libunicorn2 (bookworm: 2.0.1, slower).
#
# Why 2.1.1 (runtime/engine/README.md): a guest store costs ~1 ns there against 130-380 ns on
# bookworm's 2.0.1 (unicorn's slow notdirty-write path), and 2.1.4 (sid) put most stores back
# on that path. The trixie build needs only libc6 >= 2.34, which bookworm has (2.36).
#
# How: a temporary apt configuration (its own package lists, the machine's own Debian mirror
# with the suite "trixie") downloads the .deb, and dpkg-deb unpacks it into the cache.
set -euo pipefail
cache="${NTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ntrace}"
engine="$cache/engine"
package=libunicorn2t64
suite=trixie
note() { echo "engine: $*"; }

if [ -f "$engine/VERSION" ] && [ -f "$engine/libunicorn.so.2" ] && [ "${1:-}" != "--force" ]; then
  note "present in $engine ($(head -1 "$engine/VERSION"))"
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  note "the Debian build fetched here is for x86-64 Linux; ntrace uses the system's libunicorn2"
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { note "'$tool' not found (Debian's apt and dpkg); ntrace uses the system's libunicorn2"; exit 0; }
done
glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
if [ -z "$glibc" ] || [ "$(printf '%s\n2.34\n' "$glibc" | sort -V | head -1)" != "2.34" ]; then
  note "$package needs glibc >= 2.34 (here: ${glibc:-unknown}); ntrace uses the system's libunicorn2"
  exit 0
fi

# The machine's Debian mirror: the first URI of its deb822 or one-line sources.
mirror="$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')"
if [ -z "$mirror" ]; then
  mirror="$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
    awk '$1 ~ /^deb(-src)?$/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) { print $i; exit } } }')"
fi
if [ -z "$mirror" ]; then
  note "no Debian mirror found in /etc/apt/sources.list*; ntrace uses the system's libunicorn2"
  exit 0
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { note "$keyring missing (package debian-archive-keyring); ntrace uses the system's libunicorn2"; exit 0; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs"
echo "deb [signed-by=$keyring] $mirror $suite main" > "$work/sources.list"
apt_opts=(
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work"
  -o "Dir::Cache::archives=$work/archives"
  -o "Dir::Etc::sourcelist=$work/sources.list"
  -o "Dir::Etc::sourceparts=/dev/null"
  -o "APT::Architecture=amd64"
  -o "APT::Architectures::=amd64"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
note "reading Debian $suite's package list (private apt state in $work)"
if ! apt-get "${apt_opts[@]}" update -qq >/dev/null 2>"$work/update.log"; then
  note "could not read $suite's package list ($(tail -1 "$work/update.log")); ntrace uses the system's libunicorn2"
  exit 0
fi
cd "$work/debs"
if ! apt-get "${apt_opts[@]}" download "$package" >/dev/null 2>"$work/download.log"; then
  note "could not download $package ($(tail -1 "$work/download.log")); ntrace uses the system's libunicorn2"
  exit 0
fi
dpkg-deb -x "$work/debs/${package}"_*.deb "$work/root"
rm -rf "$engine.tmp"
mkdir -p "$engine.tmp"
cp "$work/root/usr/lib/x86_64-linux-gnu/libunicorn.so.2" "$engine.tmp/"
deb="$(echo "$work/debs/${package}"_*.deb)"
printf '%s %s (Debian %s)\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)" "$suite" > "$engine.tmp/VERSION"
rm -rf "$engine"
mkdir -p "$cache"
mv "$engine.tmp" "$engine"
note "$(head -1 "$engine/VERSION") in $engine"

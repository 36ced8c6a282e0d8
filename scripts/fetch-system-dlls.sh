#!/usr/bin/env bash
# Fetches what user-mode programs run on into ntrace's private cache, from Debian's packages,
# without installing i386 packages or changing the machine's package configuration:
#   <cache>/wine/system32/   Wine 8's i386 PE DLLs and programs (package libwine, i386),
#                            plus zlib1.dll (libz-mingw-w64), which Wine's user32.dll imports
#   <cache>/wine/nls/        Wine's NLS tables (same package)
#   <cache>/wine/VERSION     the package versions
#   <cache>/mingw/win32/     mingw-w64's i686 runtime DLLs, win32 thread model
#   <cache>/mingw/posix/     the same, posix thread model (libstdc++-6.dll, libgcc_s_dw2-1.dll,
#                            libgomp-1.dll, libwinpthread-1.dll, zlib1.dll): what programs
#                            built with Debian's mingw-w64 load beside themselves
# <cache> is $NTRACE_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/ntrace. Idempotent.
#
# How: a temporary apt configuration (its own package lists, architecture i386, the machine's
# own Debian sources) downloads the .deb files, and dpkg-deb unpacks them into the cache.
set -euo pipefail
cache="${NTRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ntrace}"
wine="$cache/wine"
mingw="$cache/mingw"
if [ -f "$wine/VERSION" ] && [ -f "$wine/system32/ntdll.dll" ] && [ -f "$mingw/posix/libwinpthread-1.dll" ] && [ "${1:-}" != "--force" ]; then
  echo "system DLLs: present in $wine ($(head -1 "$wine/VERSION"))"
  exit 0
fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fetch-system-dlls: '$tool' is needed (Debian's apt and dpkg)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/debs"
apt_opts=(
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work"
  -o "Dir::Cache::archives=$work/archives"
  -o "APT::Architecture=i386"
  -o "APT::Architectures::=i386"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
echo "system DLLs: reading Debian's i386 package lists (private apt state in $work)"
apt-get "${apt_opts[@]}" update -qq >/dev/null 2>"$work/update.log" || { cat "$work/update.log" >&2; exit 1; }
cd "$work/debs"
packages=(libwine:i386 libz-mingw-w64 gcc-mingw-w64-i686-win32-runtime gcc-mingw-w64-i686-posix-runtime mingw-w64-i686-dev)
echo "system DLLs: downloading ${packages[*]}"
apt-get "${apt_opts[@]}" download "${packages[@]}" >/dev/null 2>"$work/download.log" || { cat "$work/download.log" >&2; exit 1; }

unpack() { mkdir -p "$work/root/$1" && dpkg-deb -x "$work/debs/$1"_*.deb "$work/root/$1"; }
for p in libwine libz-mingw-w64 gcc-mingw-w64-i686-win32-runtime gcc-mingw-w64-i686-posix-runtime mingw-w64-i686-dev; do unpack "$p"; done

rm -rf "$wine.tmp" "$mingw.tmp"
mkdir -p "$wine.tmp/system32" "$wine.tmp/nls" "$mingw.tmp/win32" "$mingw.tmp/posix"
cp -a "$work/root/libwine/usr/lib/i386-linux-gnu/wine/i386-windows/." "$wine.tmp/system32/"
cp -a "$work/root/libwine/usr/share/wine/nls/." "$wine.tmp/nls/"
zlib="$work/root/libz-mingw-w64/usr/i686-w64-mingw32/lib/zlib1.dll"
cp "$zlib" "$wine.tmp/system32/zlib1.dll"
for model in win32 posix; do
  cp "$work/root/gcc-mingw-w64-i686-$model-runtime/usr/lib/gcc/i686-w64-mingw32/"*"-$model/"*.dll "$mingw.tmp/$model/"
  cp "$work/root/mingw-w64-i686-dev/usr/i686-w64-mingw32/lib/libwinpthread-1.dll" "$mingw.tmp/$model/"
  cp "$zlib" "$mingw.tmp/$model/"
done
{
  for deb in "$work"/debs/*.deb; do printf '%s %s\n' "$(dpkg-deb -f "$deb" Package)" "$(dpkg-deb -f "$deb" Version)"; done
} > "$wine.tmp/VERSION"
cp "$wine.tmp/VERSION" "$mingw.tmp/VERSION"
rm -rf "$wine" "$mingw"
mkdir -p "$cache"
mv "$wine.tmp" "$wine"
mv "$mingw.tmp" "$mingw"
echo "system DLLs: $(ls "$wine/system32" | wc -l) files in $wine/system32, NLS tables in $wine/nls, mingw runtime DLLs in $mingw"

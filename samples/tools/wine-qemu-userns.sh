#!/usr/bin/env bash
# Run a command whose i386 ELF programs (32-bit Wine) are executed by the given qemu-i386
# instead of the one the system's binfmt_misc names, without changing the system: the command
# runs in a new user + mount namespace holding its own binfmt_misc instance (Linux >= 6.7).
#
#   samples/tools/wine-qemu-userns.sh /path/to/qemu-i386 command [args...]
#
# Why: on a machine that cannot execute i386 code natively, Wine runs under qemu-user, and
# qemu-user up to at least 7.2 gives all threads of a process one emulated GDT. Wine keeps each
# thread's TEB in a GDT TLS entry (set_thread_area) and reloads %fs/%gs on every signal and
# Unix/PE transition, so with several threads a thread picks up another thread's TEB and the
# process dies (qemu: "uncaught target signal 11", or Wine exceptions 0x80000003) or loses its
# output. qemu-per-thread-gdt.patch (next to this script) gives every thread its own GDT copy,
# as Linux does; see samples/programs/README.md for building it.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 /path/to/qemu-i386 command [args...]" >&2; exit 2; }
qemu="$(readlink -f "$1")"
shift
[ -x "$qemu" ] || { echo "$0: $qemu is not executable" >&2; exit 2; }
exec unshare --user --map-root-user --mount -- bash -c '
  set -e
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  printf "%s" ":qemu-i386:M::\\x7fELF\\x01\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\x03\\x00:\\xff\\xff\\xff\\xff\\xff\\xfe\\xfe\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:$0:F" \
    > /proc/sys/fs/binfmt_misc/register
  exec "$@"' "$qemu" "$@"

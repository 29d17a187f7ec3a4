#!/usr/bin/env bash
# check-arch.sh <amd64|arm64> <root> <ELF file>...: each file is a 64-bit
# little-endian ELF for that architecture, and the program interpreter it names
# (its dynamic loader) is in <root>. How the release checks an image it cannot
# run here: an arm64 image on an amd64 machine.
set -euo pipefail
arch=$1 root=$2
shift 2
case $arch in
  amd64) machine=62 loader=/lib64/ld-linux-x86-64.so.2 ;;  # EM_X86_64
  arm64) machine=183 loader=/lib/ld-linux-aarch64.so.1 ;;  # EM_AARCH64
  *) echo "check-arch.sh: unknown architecture $arch" >&2; exit 2 ;;
esac
for f in "$@"; do
  # e_ident: magic, EI_CLASS 2 (64-bit), EI_DATA 1 (little-endian); e_machine at 18.
  read -r m0 m1 m2 m3 class data < <(od -An -tu1 -N6 "$f")
  got=$(od -An -tu2 -j18 -N2 --endian=little "$f" | tr -d ' ')
  if [ "$m0 $m1 $m2 $m3" != "127 69 76 70" ] || [ "$class" != 2 ] || [ "$data" != 1 ] || [ "$got" != "$machine" ]; then
    echo "check-arch.sh: ${f#"$root"} is not a 64-bit little-endian ELF for $arch (class $class, data $data, e_machine $got, want $machine)" >&2
    exit 1
  fi
done
# The loader the binaries were linked against (PT_INTERP of the first) is there.
if ! grep -q -a -F "$loader" "$1" || [ ! -e "$root$loader" ]; then
  echo "check-arch.sh: $loader (the $arch dynamic loader) is not in the image" >&2
  exit 1
fi
echo "[release] linux/$arch: ${*#"$root"} are $arch ELF binaries; $loader present" >&2

#!/usr/bin/env bash
# Proves archives are what the node's containerd takes: starts a throwaway
# containerd (own root, state and socket under a temp dir, CRI plugin off),
# runs `ctr -n k8s.io images import` on each archive and lists the images.
#   check-import.sh <archive>...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: check-import.sh <archive>..." >&2; exit 64; }
dir=$(mktemp -d /tmp/chatcli-images-ctr.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  # Unpacked snapshots may still be mounted.
  grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
cat > "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
TOML
containerd -c "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$dir/containerd.sock" ] && break; sleep 0.1; done
ctr() { command ctr -a "$dir/containerd.sock" -n k8s.io "$@"; }
for archive in "$@"; do
  ctr images import "$archive"
done
ctr images ls

#!/usr/bin/env bash
# Installs what the real node needs from Debian, when it is missing (idempotent):
# containerd 1.6 (+ its runc shim and ctr), runc, the CNI plugins (bridge,
# host-local, loopback, portmap in /usr/lib/cni), nftables and iptables
# (kube-proxy, the kubelet, our own rules), conntrack (kube-proxy), iproute2.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$here/../controlplane/versions.env"
packages=(containerd runc containernetworking-plugins nftables iptables conntrack iproute2 openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[node] installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The package's own containerd service is never used (PID 1 is not systemd
  # here): the node runs its own containerd with its own config and socket.
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The versions the node was proven with (versions.env); another one may work,
# but say so.
check() {
  local pkg=$1 want=$2 have
  have=$(dpkg-query -W -f='${Version}' "$pkg")
  case "$have" in "$want"*) ;; *) echo "[node] warning: $pkg $have installed, the node was proven with $want" >&2 ;; esac
}
check containerd "$NODE_CONTAINERD_VERSION"
check runc "$NODE_RUNC_VERSION"
check containernetworking-plugins "$NODE_CNI_PLUGINS_VERSION"

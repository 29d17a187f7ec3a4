#!/usr/bin/env bash
# cleanup.sh: removes everything a node plane made on this machine, whether it
# stopped cleanly or was killed: its processes and containers, mounts, network
# namespaces, veths, the bridge, nftables/iptables rules, kubepods cgroups, its
# state directories, and puts back the sysctls the kubelet, kube-proxy and the
# node itself changed. Idempotent: on a clean machine it does nothing.
#
# The layout comes from hack/node/layout.ts (layoutEnv), never from here.
set -uo pipefail
: "${CHATCLI_NODE_STATE:?}" "${CHATCLI_NODE_RUN:?}" "${CHATCLI_NODE_LOCK:?}" "${CHATCLI_NODE_BRIDGE:?}" \
  "${CHATCLI_NODE_NFT_TABLE:?}" "${CHATCLI_NODE_HOST_BEFORE:?}" "${CHATCLI_NODE_CONTAINERD_SOCKET:?}" "${CHATCLI_NODE_CONTAINERD_STATE:?}"
state=$CHATCLI_NODE_STATE run=$CHATCLI_NODE_RUN bridge=$CHATCLI_NODE_BRIDGE
say() { echo "[node cleanup] $*" >&2; }
t0=$EPOCHREALTIME
mark() { [ -n "${CHATCLI_NODE_CLEANUP_TIMES:-}" ] && say "$1 after $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms"; return 0; }

# One cleanup at a time (the janitor of a killed run and the next start may
# meet): a lock on this script itself, so no lock file is left behind.
exec 9<"${BASH_SOURCE[0]}"
flock 9

# Processes whose command line names our state or run directory: kubelet,
# kube-proxy, containerd, its shims, and the guards around them.
node_pids() {
  grep -laFf <(printf '%s\n' "$state" "$run/") /proc/[0-9]*/cmdline 2>/dev/null \
    | cut -d/ -f3 | grep -vx "$$"
}
# Processes of containers: every task in a kubepods cgroup, in any hierarchy.
container_pids() {
  find /sys/fs/cgroup/*/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null
}
kill_all() {
  local pids round
  for round in $(seq 50); do
    pids=$( { node_pids; container_pids; } | sort -u)
    [ -z "$pids" ] && return 0
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null
    sleep 0.1
  done
  say "processes still alive after 5 s: $pids"
}
kill_all
mark processes

# What the host looked like before the first start (host.ts recordHost).
had_record="" tables_before=" " dirs_made=()
if [ -f "$CHATCLI_NODE_HOST_BEFORE" ]; then
  had_record=1
  while read -r kind a b; do
    case "$kind" in
      nft-table) tables_before+="$a:$b " ;;
      dir) [ "$b" = absent ] && dirs_made+=("$a") ;;
    esac
  done < "$CHATCLI_NODE_HOST_BEFORE"
fi

# Mounts under our directories (overlay rootfs, shm, netns, pod volumes, the
# kubelet's own bind mounts), deepest first.
umount_all() {
  local m round
  for round in 1 2 3; do
    mapfile -t mounts < <(awk '{print $5}' /proc/self/mountinfo | sed 's/\\040/ /g' \
      | grep -E "^(${state}|${run})(/|$)" | sort -r)
    [ ${#mounts[@]} -eq 0 ] && return 0
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  done
  say "mounts left: ${mounts[*]}"
}
umount_all
mark mounts

# Network: veths still on the bridge (their namespaces are gone with the
# mounts, which removes most of them), then the bridge, then our rules.
if [ -e "/sys/class/net/$bridge" ]; then
  for port in /sys/class/net/"$bridge"/brif/*; do
    [ -e "$port" ] && ip link del "$(basename "$port")" 2>/dev/null
  done
  ip link del "$bridge" 2>/dev/null || say "could not delete bridge $bridge"
fi
nft delete table inet "$CHATCLI_NODE_NFT_TABLE" 2>/dev/null
for family in ip ip6; do nft delete table "$family" kube-proxy 2>/dev/null; done
# iptables tables (nft backend) made during the run: deleted whole, at once.
if [ -n "$had_record" ]; then
  for t in ip:filter ip:nat ip:mangle ip:raw ip:security ip6:filter ip6:nat ip6:mangle ip6:raw ip6:security; do
    case "$tables_before" in *" $t "*) continue ;; esac
    nft delete table "${t%%:*}" "${t#*:}" 2>/dev/null
  done
fi
# In tables that were there before: the chains the kubelet (KUBE-FIREWALL,
# canaries, hints), kube-proxy and the CNI portmap plugin make: delete the
# rules jumping to them, then them.
for ipt in iptables ip6tables; do
  command -v "$ipt-save" >/dev/null || continue
  "$ipt-save" 2>/dev/null | grep -qE '^:(KUBE|CNI)-' || continue
  for table in filter nat mangle raw; do
    rules=$("$ipt" -t "$table" -S 2>/dev/null) || continue
    grep -E '^-A ' <<<"$rules" | grep -E -- '-j (KUBE|CNI)-' | grep -Ev '^-A (KUBE|CNI)-' | sed 's/^-A /-D /' \
      | while read -r rule; do eval "$ipt -t $table $rule" 2>/dev/null; done
    for chain in $(grep -E '^-N (KUBE|CNI)-' <<<"$rules" | awk '{print $2}'); do
      "$ipt" -t "$table" -F "$chain" 2>/dev/null
    done
    for chain in $(grep -E '^-N (KUBE|CNI)-' <<<"$rules" | awk '{print $2}'); do
      "$ipt" -t "$table" -X "$chain" 2>/dev/null
    done
  done
done

mark network
# cgroups the kubelet made, deepest first (their tasks are dead by now).
for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
  [ -d "$root" ] && find "$root" -type d -delete 2>/dev/null
  [ -d "$root" ] && say "cgroup left: $root"
done

mark cgroups
# Put back what the host had: sysctls; the directories outside ours that the
# kubelet, CNI and shims made (host.ts FOREIGN_DIRS) and the nftables tables
# that did not exist before the first start go (iptables-nft leaves its tables
# behind once their chains are empty).
if [ -n "$had_record" ]; then
  while read -r kind a b; do
    [ "$kind" = sysctl ] && { sysctl -q -w "$a=$b" >/dev/null 2>&1 || say "could not restore sysctl $a=$b"; }
  done < "$CHATCLI_NODE_HOST_BEFORE"
  nft list tables 2>/dev/null | while read -r _ family name; do
    case "$tables_before" in *" $family:$name "*) continue ;; esac
    if ! nft -j list table "$family" "$name" 2>/dev/null | grep -q '"rule"'; then
      nft delete table "$family" "$name" 2>/dev/null
    fi
  done
  for d in "${dirs_made[@]}"; do rm -rf "$d"; done
fi
# Files containerd 1.6 and the kubelet put outside our directories, whatever we
# configure: each shim's socket /run/containerd/s/<sha256(address/namespace/id)>
# (left behind by a killed shim), the kubelet's device-plugin socket.
for task in "$CHATCLI_NODE_CONTAINERD_STATE"/io.containerd.runtime.v2.task/*/*; do
  [ -d "$task" ] || continue
  ns=$(basename "$(dirname "$task")")
  hash=$(printf '%s' "$CHATCLI_NODE_CONTAINERD_SOCKET/$ns/$(basename "$task")" | sha256sum | cut -d' ' -f1)
  rm -f "/run/containerd/s/$hash"
done
rm -f /var/lib/kubelet/device-plugins/kubelet.sock
# Container log links the kubelet made to our pod logs.
if [ -d /var/log/containers ]; then
  find /var/log/containers -maxdepth 1 -type l -lname "$state/*" -delete 2>/dev/null
fi
rm -rf /var/lib/cni/results/chatcli-pods-* 2>/dev/null

rm -rf "$state" "$run" || say "could not remove $state or $run"
mark files
exit 0

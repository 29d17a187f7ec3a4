#!/usr/bin/env bash
# Builds promtool into a per-version cache outside the repository, once per
# machine, from the Prometheus Go module at PROMETHEUS_MODULE_VERSION
# (../controlplane/versions.env), and prints the binary's path last.
#   CHATCLI_CP_CACHE   cache root (default ~/.cache/chatcli-operator)
# `go install module@version` works here: the Prometheus module has no replace
# directives, so its own go.mod picks every dependency (as upstream tested
# them) and the checksum database verifies them; no go.mod of ours is needed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$here/../controlplane/versions.env"
cache=${CHATCLI_CP_CACHE:-$HOME/.cache/chatcli-operator}
bin="$cache/promtool-$PROMETHEUS_VERSION/bin"
mkdir -p "$bin"
# One build at a time per machine: a second caller waits, then finds the binary.
exec 9>"$cache/.promtool-build.lock"
flock 9
if [ ! -x "$bin/promtool" ]; then
  echo "[promtool] building promtool $PROMETHEUS_VERSION - first time on this machine, this takes minutes" >&2
  start=$SECONDS
  tmp=$(mktemp -d "$bin/../build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  v=github.com/prometheus/common/version
  # Outside any module: go install reads only the Prometheus module's go.mod.
  # remove_all_sd: Prometheus's own build tag (plugins/plugin_*.go) that leaves out every
  # service-discovery SDK (AWS, Azure, GCP, ...); `test rules` and `check` need none of them.
  # It cuts the cold build's CPU from about 15 min to about 6.
  (cd "$tmp" && GOBIN="$tmp" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -trimpath -tags remove_all_sd \
    -ldflags "-s -w -X $v.Version=$PROMETHEUS_VERSION -X $v.Branch=HEAD -X $v.BuildUser=chatcli-operator" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION")
  mv "$tmp/promtool" "$bin/promtool"
  echo "[promtool] built promtool $PROMETHEUS_VERSION in $((SECONDS - start))s" >&2
fi
echo "$bin/promtool"

#!/usr/bin/env bash
# Builds helm (HELM_VERSION in ../controlplane/versions.env, module pinned in go.mod
# beside this file) into a per-version cache outside the repository, once per
# machine. Prints the path of the helm binary last.
#   CHATCLI_CP_CACHE   cache root (default ~/.cache/chatcli-operator)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$here/../controlplane/versions.env"
cache=${CHATCLI_CP_CACHE:-$HOME/.cache/chatcli-operator}
bin="$cache/helm-$HELM_VERSION/bin"
mkdir -p "$bin"
pinned=$(sed -n 's/^require helm\.sh\/helm\/v4 //p' "$here/go.mod")
if [ "$pinned" != "$HELM_VERSION" ]; then
  echo "[helm] hack/helm/go.mod pins $pinned but versions.env says HELM_VERSION=$HELM_VERSION" >&2
  exit 1
fi
# One build at a time per machine: a second caller waits, then finds the binary.
exec 9>"$cache/.helm-build.lock"
flock 9
if [ ! -x "$bin/helm" ]; then
  echo "[helm] building helm $HELM_VERSION - first time on this machine, this takes a few minutes" >&2
  start=$SECONDS
  v=helm.sh/helm/v4/internal/version
  (cd "$here" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
    -ldflags "-s -w -X $v.version=$HELM_VERSION -X $v.gitTreeState=clean" \
    -o "$bin/helm.tmp" helm.sh/helm/v4/cmd/helm)
  mv "$bin/helm.tmp" "$bin/helm"
  echo "[helm] built helm in $((SECONDS - start))s" >&2
fi
echo "$bin/helm"

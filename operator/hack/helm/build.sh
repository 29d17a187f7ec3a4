#!/usr/bin/env bash
# Builds helm into a per-version cache outside the repository, once per machine,
# from the Go module pinned beside this file (go.mod), and prints the binary's
# path last.
#   build.sh      helm 4 (HELM_VERSION in ../controlplane/versions.env)
#   build.sh 3    helm 3 (HELM3_VERSION)
#   CHATCLI_CP_CACHE   cache root (default ~/.cache/chatcli-operator)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$here/../controlplane/versions.env"
case "${1:-4}" in
  4) major=4 version=$HELM_VERSION ;;
  3) major=3 version=$HELM3_VERSION ;;
  *) echo "usage: $0 [4|3]" >&2; exit 2 ;;
esac
module=helm.sh/helm/v$major
pinned=$(sed -n "s|^require $module ||p" "$here/go.mod")
if [ "$pinned" != "$version" ]; then
  echo "[helm] hack/helm/go.mod pins $module $pinned but versions.env says $version" >&2
  exit 1
fi
cache=${CHATCLI_CP_CACHE:-$HOME/.cache/chatcli-operator}
bin="$cache/helm-$version/bin"
mkdir -p "$bin"
# One build at a time per machine: a second caller waits, then finds the binary.
exec 9>"$cache/.helm-build.lock"
flock 9
if [ ! -x "$bin/helm" ]; then
  echo "[helm] building helm $version - first time on this machine, this takes minutes" >&2
  start=$SECONDS
  v=$module/internal/version
  ldflags="-s -w -X $v.version=$version -X $v.gitTreeState=clean"
  if [ "$major" = 3 ]; then
    # Helm 3 learns the Kubernetes version it assumes without a cluster (helm
    # template, lint) from ldflags, as its own Makefile sets them: client-go's
    # v0.N is Kubernetes 1.N. Helm 4 reads it from the build info.
    client_go=$(cd "$here" && go list -m -f '{{.Version}}' k8s.io/client-go)
    minor=${client_go#v0.}; minor=${minor%%.*}
    for p in $module/pkg/lint/rules $module/pkg/chartutil; do
      ldflags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$minor"
    done
  fi
  (cd "$here" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "$ldflags" \
    -o "$bin/helm.tmp" "$module/cmd/helm")
  mv "$bin/helm.tmp" "$bin/helm"
  echo "[helm] built helm $version in $((SECONDS - start))s" >&2
fi
echo "$bin/helm"

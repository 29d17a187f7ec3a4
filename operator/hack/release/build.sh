#!/usr/bin/env bash
# Builds one release tool into a per-version cache outside the repository, once
# per machine, from the Go module pinned beside this file (go.mod), and prints the
# binary's path last.
#   build.sh cosign | registry | actionlint
#   CHATCLI_CP_CACHE   cache root (default ~/.cache/chatcli-operator)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$here/../controlplane/versions.env"
case "${1:-}" in
  cosign) module=github.com/sigstore/cosign/v3 pkg=$module/cmd/cosign version=$COSIGN_VERSION
    v=sigs.k8s.io/release-utils/version
    ldflags="-X $v.gitVersion=$version -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z" ;;
  registry) module=github.com/distribution/distribution/v3 pkg=./registry version=$REGISTRY_VERSION
    ldflags="-X $module/version.version=$version" ;;
  actionlint) module=github.com/rhysd/actionlint pkg=$module/cmd/actionlint version=$ACTIONLINT_VERSION
    ldflags="-X $module.version=$version" ;;
  *) echo "usage: $0 cosign|registry|actionlint" >&2; exit 2 ;;
esac
tool=$1
pinned=$(sed -n "s|^	$module \(v[^ ]*\)$|\1|p" "$here/go.mod")
if [ "$pinned" != "$version" ]; then
  echo "[release] hack/release/go.mod pins $module ${pinned:-nothing} but versions.env says $version" >&2
  exit 1
fi
cache=${CHATCLI_CP_CACHE:-$HOME/.cache/chatcli-operator}
bin="$cache/$tool-$version/bin"
mkdir -p "$bin"
# One build of each tool at a time per machine: a second caller waits, then finds it.
exec 9>"$cache/.$tool-build.lock"
flock 9
if [ ! -x "$bin/$tool" ]; then
  echo "[release] building $tool $version - first time on this machine, this takes minutes" >&2
  start=$SECONDS
  (cd "$here" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w $ldflags" \
    -o "$bin/$tool.tmp" "$pkg")
  mv "$bin/$tool.tmp" "$bin/$tool"
  echo "[release] built $tool $version in $((SECONDS - start))s" >&2
fi
echo "$bin/$tool"

#!/usr/bin/env bash
# Builds the local control plane's binaries into a per-version cache outside the
# repository, only those that are missing. Prints the cache's bin directory last.
#   CHATCLI_CP_CACHE   cache root (default ~/.cache/chatcli-operator)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
cache=${CHATCLI_CP_CACHE:-$HOME/.cache/chatcli-operator}
bin="$cache/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION/bin"
mkdir -p "$bin"
# One build at a time per machine: a second caller waits, then finds the binaries.
exec 9>"$cache/.build.lock"
flock 9
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

say() { echo "[controlplane] $*" >&2; }

# build <module dir> <output name> <package> [ldflags]
build() {
  local dir=$1 out=$2 pkg=$3 ldflags=${4:-}
  if [ -x "$bin/$out" ]; then return 0; fi
  say "building $out ($pkg) - first time on this machine, this takes minutes"
  local start=$SECONDS
  (cd "$here/$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
  say "built $out in $((SECONDS - start))s"
}

minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
k8s_ldflags=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  k8s_ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done

build etcd etcd go.etcd.io/etcd/server/v3
build k8s kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_ldflags"
build k8s kubectl k8s.io/kubernetes/cmd/kubectl "$k8s_ldflags"
build k8s kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_ldflags"
build k8s kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$k8s_ldflags"
build kwok kwok sigs.k8s.io/kwok/cmd/kwok
# The real node (plane mode "node"): kubelet and kube-proxy from the same module.
build k8s kubelet k8s.io/kubernetes/cmd/kubelet "$k8s_ldflags"
build k8s kube-proxy k8s.io/kubernetes/cmd/kube-proxy "$k8s_ldflags"

# kwok ships no default stages from v0.8: copy the "fast" node and pod stages.
stages="$bin/../kwok-stages"
if [ ! -s "$stages/stages.yaml" ]; then
  mkdir -p "$stages"
  src=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  : > "$stages/stages.yaml.tmp"
  for f in "$src"/kustomize/stage/node/fast/*.yaml "$src"/kustomize/stage/node/heartbeat-with-lease/*.yaml "$src"/kustomize/stage/pod/fast/*.yaml; do
    case "$f" in */kustomization.yaml) continue ;; esac
    { echo "---"; cat "$f"; } >> "$stages/stages.yaml.tmp"
  done
  mv "$stages/stages.yaml.tmp" "$stages/stages.yaml"
fi
echo "$bin"

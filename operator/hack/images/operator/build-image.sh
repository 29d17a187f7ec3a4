#!/usr/bin/env bash
# Builds the operator image from the project's own Dockerfile (context:
# operator/), offline, with buildah (vfs storage, chroot isolation): the
# Dockerfile's BUILD_BASE and RUNTIME_BASE come from build-bases.sh, and its
# `npm ci` reads packages from a local npm cache filled by the host's npm.
# Prints "localhost/chatcli-operator:dev-<key>\t<archive>".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

context=$(cd "$images_dir/../.." && pwd)
dockerfile="$context/Dockerfile"

# The Dockerfile's own inputs: every source of a COPY/ADD from the context.
copy_sources() {
  grep -i -E '^[[:space:]]*(COPY|ADD)[[:space:]]' "$dockerfile" | grep -v -- '--from=' |
    while read -r -a words; do
      local i last=$((${#words[@]} - 1))
      for ((i = 1; i < last; i++)); do
        case ${words[i]} in --*) ;; *) echo "${words[i]}" ;; esac
      done
    done
}
inputs=("$dockerfile")
if [ -f "$context/.dockerignore" ]; then inputs+=("$context/.dockerignore"); fi
while read -r src; do
  case $src in \[*) say "JSON-form COPY/ADD in $dockerfile: not understood by $0"; exit 1 ;; esac
  # shellcheck disable=SC2206 # globs in COPY sources expand like the builder's
  paths=("$context"/$src)
  inputs+=("${paths[@]}")
done < <(copy_sources)

bases=$("$here/build-bases.sh")
build_base=$(sed -n 's/^BUILD_BASE=//p' <<<"$bases")
runtime_base=$(sed -n 's/^RUNTIME_BASE=//p' <<<"$bases")
key=$(input_key "${inputs[@]}" "$here/build-image.sh" "=$build_base" "=$runtime_base")
ref="localhost/chatcli-operator:dev-$key"
archive=$(archive_path operator "$key")

# fill_npm_cache: every package of the lock file in the local npm cache, once
# per lock file, fetched by the host's npm (no install scripts run).
npm_cache="$img_cache/npm-cache"
fill_npm_cache() {
  local marker
  marker="$npm_cache/.filled-$(input_key "$context/package-lock.json")"
  [ -f "$marker" ] && return 0
  say "filling the local npm cache from $context/package-lock.json"
  local tmp
  tmp=$(mktemp -d "$img_cache/npm-fill.XXXXXX")
  at_exit "rm -rf '$tmp'"
  cp "$context/package.json" "$context/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --cache "$npm_cache" >&2)
  rm -rf "$tmp"
  touch "$marker"
}

if [ ! -s "$archive" ]; then lock operator; fi
if [ ! -s "$archive" ]; then
  start=$SECONDS
  fill_npm_cache
  say "building $ref from $dockerfile (BUILD_BASE=$build_base RUNTIME_BASE=$runtime_base)"
  nice -n 10 buildah --root "$img_cache/buildah/root" --runroot "$img_cache/buildah/run" \
    --storage-driver vfs bud --quiet --no-cache --force-rm --isolation chroot --pull=never --format oci --timestamp 0 \
    --build-arg "BUILD_BASE=$build_base" --build-arg "RUNTIME_BASE=$runtime_base" \
    --volume "$npm_cache:/var/cache/npm" \
    -f "$dockerfile" -t "$ref" "$context" >&2
  layout="$archive.layout"
  rm -rf "$layout" "$archive.tmp"
  bah push --quiet "$ref" "oci:$layout:$ref"
  layout_to_archive "$layout" "$archive"
  # The archive is the cache; vfs keeps a full copy per layer, so drop it.
  bah rmi "$ref" >/dev/null
  drop_stale operator "$archive"
  say "built $ref in $((SECONDS - start))s"
fi
printf '%s\t%s\n' "$ref" "$archive"

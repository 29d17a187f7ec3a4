#!/usr/bin/env bash
# Builds one image into the cache unless an archive for the same inputs is
# already there, and prints "<ref><TAB><OCI archive>" as its last line.
#   build.sh pause | probe | chatcli:v1.57.1 | chatcli:v1.188.0 | chatcli:latest | operator
# Progress goes to stderr. Env: CHATCLI_CP_CACHE, CHATCLI_SOURCE_DIR (see README.md).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

for tool in buildah skopeo go; do
  command -v "$tool" >/dev/null || { say "missing $tool (Debian packages buildah, skopeo; Go)"; exit 1; }
done

# go_image <name> <user>: a static Go program of ours alone in an image, run as user.
go_image() {
  local name=$1 user=$2
  local ref="localhost/chatcli-dev/$name:$DEV_IMAGES_TAG"
  local key archive
  key=$(input_key "$images_dir/$name" "$images_dir/lib.sh" "$images_dir/build.sh" \
    "=$(go env GOVERSION)" "=$ref" "=$user")
  archive=$(archive_path "$name" "$key")
  if [ ! -s "$archive" ]; then
    lock "$name"
  fi
  if [ ! -s "$archive" ]; then
    local start=$SECONDS root
    say "building $ref"
    new_container "$name"
    root=$(bah mount "$ctr")
    install -d -m 1777 "$root/tmp"
    go_static "$images_dir/$name" "$root/$name"
    bah umount "$ctr" >/dev/null
    bah config --entrypoint "[\"/$name\"]" --user "$user" --workingdir / \
      --env PATH=/ --label "org.opencontainers.image.title=$name" "$ctr"
    commit_archive "$ctr" "$archive" "$ref"
    drop_stale "$name" "$archive"
    say "built $ref in $((SECONDS - start))s"
  fi
  printf '%s\t%s\n' "$ref" "$archive"
}

case ${1:-} in
  # Upstream's pause runs as 65535; the sandbox needs no more.
  pause) go_image pause 65535:65535 ;;
  # Non-root by default, so restricted pods need not name a user.
  probe) go_image probe 65532:65532 ;;
  chatcli:latest)
    line=$("$images_dir/chatcli/build-image.sh" "$CHATCLI_LATEST" | tail -n1)
    printf 'ghcr.io/diillson/chatcli:latest\t%s\n' "${line#*$'\t'}"
    ;;
  chatcli:v*) "$images_dir/chatcli/build-image.sh" "${1#chatcli:v}" ;;
  operator) "$images_dir/operator/build-image.sh" ;;
  *)
    echo "usage: build.sh pause | probe | chatcli:v<version> | chatcli:latest | operator" >&2
    exit 64
    ;;
esac

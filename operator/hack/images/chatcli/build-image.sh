#!/usr/bin/env bash
# Builds ghcr.io/diillson/chatcli:v<version> (and :latest for CHATCLI_LATEST)
# laid out like that release's own Dockerfile, on a minimal root of our own
# (Alpine and distroless cannot be pulled here). Prints "<ref>\t<archive>".
#   build-image.sh <version>
# The runtime base named by the release's Dockerfile picks the layout; its
# ENTRYPOINT and EXPOSE are taken from that Dockerfile as written.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

version=${1:?usage: build-image.sh <version>}
version=${version#v}
bin=$("$here/build-binary.sh" "$version")
src=$("$here/source.sh" "$version")
dockerfile="$src/Dockerfile"
refs=("ghcr.io/diillson/chatcli:v$version")
[ "$version" = "$CHATCLI_LATEST" ] && refs+=("ghcr.io/diillson/chatcli:latest")

runtime_base=$(grep -E '^FROM ' "$dockerfile" | tail -n1 | awk '{print $2}')
entrypoint=$(sed -n 's/^ENTRYPOINT //p' "$dockerfile" | tail -n1)
port=$(sed -n 's/^EXPOSE //p' "$dockerfile" | tail -n1)
case $runtime_base in
  alpine:*) layout=alpine ;;
  gcr.io/distroless/static*:nonroot) layout=distroless-nonroot ;;
  *) say "ChatCLI $version: no layout for its runtime base $runtime_base (add one to $0)"; exit 1 ;;
esac
[ -n "$entrypoint" ] || { say "ChatCLI $version: no ENTRYPOINT in $dockerfile"; exit 1; }

name="chatcli-v$version"
# The binary's path names its own inputs.
mapfile -t root_inputs < <(min_root_inputs)
key=$(input_key "=$bin" "$dockerfile" "$here/build-image.sh" "$images_dir/lib.sh" \
  "${root_inputs[@]}" "=${refs[*]}")
archive=$(archive_path "$name" "$key")
if [ ! -s "$archive" ]; then lock "$name"; fi
if [ ! -s "$archive" ]; then
  start=$SECONDS
  say "building ${refs[*]} ($layout layout, like $runtime_base)"
  new_container "$name"
  root=$(bah mount "$ctr")
  min_root "$root"
  install -m 0755 "$bin" "$root/usr/local/bin/chatcli"
  case $layout in
    alpine)
      # `addgroup -S chatcli && adduser -S chatcli -G chatcli` on Alpine 3.21
      # gives the first free system ids: uid 100, gid 101 (100 is "users").
      cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
chatcli:x:100:101:Linux User,,,:/home/chatcli:/sbin/nologin
PASSWD
      cat > "$root/etc/group" <<'GROUP'
root:x:0:root
users:x:100:
nobody:x:65534:
chatcli:x:101:chatcli
GROUP
      install -d -m 0755 -o 100 -g 101 "$root/home/chatcli" "$root/home/chatcli/.chatcli" \
        "$root/home/chatcli/.chatcli/sessions" "$root/home/chatcli/.chatcli/plugins"
      user=chatcli workdir=/home/chatcli
      ;;
    distroless-nonroot)
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
      user=65532 workdir=/home/nonroot
      ;;
  esac
  chmod 0644 "$root/etc/passwd" "$root/etc/group"
  bah umount "$ctr" >/dev/null
  bah config --entrypoint "$entrypoint" --cmd '' --user "$user" --workingdir "$workdir" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    ${port:+--port "$port"} \
    --label "org.opencontainers.image.version=v$version" \
    --label "org.opencontainers.image.source=https://github.com/diillson/chatcli" \
    --label "org.opencontainers.image.description=ChatCLI $version built locally by chatcli-operator/hack/images ($layout layout)" \
    "$ctr"
  commit_archive "$ctr" "$archive" "${refs[@]}"
  drop_stale "$name" "$archive"
  say "built ${refs[*]} in $((SECONDS - start))s"
fi
printf '%s\t%s\n' "${refs[0]}" "$archive"

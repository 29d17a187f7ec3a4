#!/usr/bin/env bash
# Prints the path of the ChatCLI server binary of one release, compiled once
# into the cache exactly as upstream's Dockerfile does (static, stripped):
#   CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o chatcli .
#   build-binary.sh <version>     (1.57.1 or v1.57.1)
# Source: see source.sh (CHATCLI_SOURCE_DIR, else upstream's git tag).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"

version=${1:?usage: build-binary.sh <version>}
version=${version#v}
src=$("$here/source.sh" "$version")
flags='-trimpath -ldflags=-s -w'
key=$(input_key "=$src" "=$(go env GOVERSION)" "=$flags")
bin="$img_cache/chatcli/bin/chatcli-$version-$key"
if [ ! -x "$bin" ]; then lock "chatcli-bin-$version"; fi
if [ ! -x "$bin" ]; then
  mkdir -p "$(dirname "$bin")"
  say "building the ChatCLI $version server from $src - minutes the first time (modules from the Go proxy)"
  start=$SECONDS
  (cd "$src" && nice -n 10 go build -trimpath -ldflags "-s -w" -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
  # Binaries of older inputs for this version go.
  find "$(dirname "$bin")" -name "chatcli-$version-*" ! -path "$bin" -delete
  say "built ChatCLI $version in $((SECONDS - start))s"
fi
echo "$bin"

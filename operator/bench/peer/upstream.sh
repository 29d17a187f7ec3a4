#!/usr/bin/env bash
# Builds upstream's Go operator (the benchmark's peer, docs/performance.md
# "Side by side") once into the cache and prints the path of its binary:
#   bench/peer/upstream.sh [version]     (default 1.57.1)
# Source: $CHATCLI_SOURCE_DIR/chatcli-operator-<version>.tar.gz, checked against
# CHATCLI_OPERATOR_SHA256_<version> in versions.env. Built as upstream says:
# CGO_ENABLED=0 go build -o manager . (about 3 minutes cold on 2 cores).
set -euo pipefail
# shellcheck source=../../hack/images/lib.sh
. "$(dirname "$0")/../../hack/images/lib.sh"

version=${1:-1.57.1}
archive=${CHATCLI_SOURCE_DIR:?set CHATCLI_SOURCE_DIR to the folder holding chatcli-operator-$version.tar.gz}/chatcli-operator-$version.tar.gz
[ -f "$archive" ] || { say "no $archive"; exit 1; }
sum=$(check_pin "$archive" "CHATCLI_OPERATOR_SHA256_${version//./_}" required)
out="${CHATCLI_CP_CACHE:-$HOME/.cache/chatcli-operator}/peer/chatcli-operator-$version-${sum:0:16}"
if [ -x "$out/manager" ]; then echo "$out/manager"; exit 0; fi

lock "peer-$version"
if [ -x "$out/manager" ]; then echo "$out/manager"; exit 0; fi
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
tar -xzf "$archive" -C "$out.tmp" --strip-components=1
say "building upstream's operator $version (go build, a few minutes cold)"
(cd "$out.tmp" && go build -trimpath -o manager . >&2)
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out/manager"

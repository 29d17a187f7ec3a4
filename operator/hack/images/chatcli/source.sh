#!/usr/bin/env bash
# Prints a directory holding the ChatCLI source of one release, extracted once
# into the cache:
#   - from $CHATCLI_SOURCE_DIR/chatcli-<version>.tar.gz when that file exists
#     (checked against CHATCLI_SHA256_<version> in versions.env);
#   - else from `git clone --depth 1 --branch v<version>` of upstream.
#   source.sh <version>     (1.57.1 or v1.57.1)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"

version=${1:?usage: source.sh <version>}
version=${version#v}
upstream=https://github.com/diillson/chatcli
archive=${CHATCLI_SOURCE_DIR:+$CHATCLI_SOURCE_DIR/chatcli-$version.tar.gz}

# The source's identity: the archive's sha256, or the (immutable) upstream tag.
if [ -n "$archive" ] && [ -f "$archive" ]; then
  sum=$(check_pin "$archive" "CHATCLI_SHA256_${version//./_}")
  id="archive-${sum:0:16}"
else
  id="git-v$version"
fi
src="$img_cache/chatcli/src/$version-$id"
if [ -f "$src/go.mod" ]; then echo "$src"; exit 0; fi

lock "chatcli-src-$version"
if [ -f "$src/go.mod" ]; then echo "$src"; exit 0; fi
rm -rf "$src.tmp"
mkdir -p "$src.tmp"
if [ "${id%%-*}" = archive ]; then
  say "extracting $archive"
  # Upstream's release tarballs hold one top folder, chatcli-<version>/.
  tar -xzf "$archive" -C "$src.tmp" --strip-components=1
else
  say "no ChatCLI source archive (CHATCLI_SOURCE_DIR=${CHATCLI_SOURCE_DIR:-unset}, wants chatcli-$version.tar.gz);" \
    "cloning tag v$version of $upstream"
  if ! GIT_TERMINAL_PROMPT=0 git clone --quiet --depth 1 --branch "v$version" "$upstream" "$src.tmp" 2>"$src.err"; then
    say "cannot get the ChatCLI $version source: git clone of $upstream (tag v$version) failed:"
    sed 's/^/[images]   /' "$src.err" >&2
    say "set CHATCLI_SOURCE_DIR to a directory holding chatcli-$version.tar.gz (upstream's tag as a tarball whose top folder is chatcli-$version/)"
    rm -rf "$src.tmp" "$src.err"
    exit 1
  fi
  rm -f "$src.err"
fi
[ -f "$src.tmp/go.mod" ] || { say "ChatCLI $version source has no go.mod at its top"; exit 1; }
mv "$src.tmp" "$src"
echo "$src"

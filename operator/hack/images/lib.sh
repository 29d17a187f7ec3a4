# Sourced by the build scripts beside it: the cache, input keys, locks and a
# daemonless buildah (vfs storage, chroot isolation) that never pulls.
#   CHATCLI_CP_CACHE   cache root (default ~/.cache/chatcli-operator); images go in its images/
# shellcheck shell=bash
images_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../controlplane/versions.env
. "$images_dir/../controlplane/versions.env"
img_cache=${CHATCLI_CP_CACHE:-$HOME/.cache/chatcli-operator}/images
mkdir -p "$img_cache/archives"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false GOTOOLCHAIN=local

say() { echo "[images] $*" >&2; }

# at_exit <command>: run when the script exits, however it exits.
_at_exit=()
at_exit() { _at_exit+=("$1"); }
_run_at_exit() {
  local hook
  for hook in "${_at_exit[@]}"; do eval "$hook" >/dev/null 2>&1 || true; done
}
trap _run_at_exit EXIT

# input_key <input>...: 16 hex digits over the inputs; a directory or file counts
# by its contents (and relative names), an argument starting with "=" as itself.
input_key() {
  local arg
  for arg in "$@"; do
    case $arg in
      =*) printf 'value %s\n' "${arg#=}" ;;
      *)
        if [ -d "$arg" ]; then
          (cd "$arg" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
        else
          printf '%s  %s\n' "$(sha256sum < "$arg" | cut -d' ' -f1)" "$(basename "$arg")"
        fi
        ;;
    esac
  done | sha256sum | cut -c1-16
}

# check_pin <file> <variable>: prints the file's sha256; fails when versions.env
# pins <variable> to another one. `required` as a third argument: an unset pin fails too.
check_pin() {
  local sum pin=${!2:-}
  sum=$(sha256sum "$1" | cut -d' ' -f1)
  if { [ -n "$pin" ] || [ "${3:-}" = required ]; } && [ "$pin" != "$sum" ]; then
    say "$1: sha256 $sum, but versions.env pins $2=${pin:-nothing}"
    return 1
  fi
  echo "$sum"
}

# lock <name>: hold a machine-wide lock for this name until the script exits,
# so two test processes never build the same thing at once.
lock() {
  exec 9>"$img_cache/.lock-$1"
  if ! flock -n 9; then
    say "waiting for another build of $1"
    flock 9
  fi
}

# bah: buildah on the project's own storage, with no daemon and no registry.
bah() {
  buildah --root "$img_cache/buildah/root" --runroot "$img_cache/buildah/run" \
    --storage-driver vfs "$@"
}

# new_container <name>: sets ctr to a new empty working container, removed
# when the script exits unless a commit --rm removed it first.
new_container() {
  ctr="chatcli-images-$1-$$"
  bah from --quiet --name "$ctr" scratch >/dev/null
  at_exit "bah rm $ctr"
}

# go_static <module dir> <output>: a static, stripped Go binary.
go_static() {
  (cd "$1" && go build -trimpath -ldflags "-s -w" -o "$2" .)
}

# commit_archive <container> <archive> <ref>...: commits the working container
# as an OCI archive naming every ref (ctr -n k8s.io images import takes them
# all), then removes the container. The archive appears only once complete.
commit_archive() {
  local ctr=$1 archive=$2 first=$3 ref
  shift 3
  local layout="$archive.layout"
  rm -rf "$layout" "$archive.tmp"
  bah commit --quiet --format oci --timestamp 0 --rm "$ctr" "oci:$layout:$first" >/dev/null
  for ref in "$@"; do
    skopeo copy --quiet "oci:$layout:$first" "oci:$layout:$ref"
  done
  layout_to_archive "$layout" "$archive"
}

# layout_to_archive <OCI layout dir> <archive>: the layout as an OCI archive
# (a tar of oci-layout, index.json and blobs/), written atomically.
layout_to_archive() {
  tar -C "$1" -cf "$2.tmp" oci-layout index.json blobs
  rm -rf "$1"
  mv "$2.tmp" "$2"
}

# archive_path <name> <key>: where the archive of that image and inputs lives.
archive_path() { echo "$img_cache/archives/$1-$2.oci.tar"; }

# drop_stale <name> <keep>: other archives of that image (older inputs) go.
drop_stale() {
  local f
  for f in "$img_cache/archives/$1"-*.oci.tar; do
    [ -e "$f" ] && [ "$f" != "$2" ] && rm -f "$f"
  done
  return 0
}

# min_root <dir>: the files a static program's root needs, like distroless
# static: /tmp 1777, nsswitch, Debian's Mozilla CA bundle (only the
# ca-certificates package's own certificates, never this host's local ones),
# and zoneinfo from Debian's tzdata. passwd and group are the caller's.
min_root() {
  local root=$1
  install -d -m 0755 "$root/etc/ssl/certs" "$root/usr/local/bin" "$root/usr/share" "$root/root"
  install -d -m 1777 "$root/tmp"
  chmod 0700 "$root/root"
  printf 'hosts: files dns\nnetworks: files\npasswd: files\ngroup: files\n' > "$root/etc/nsswitch.conf"
  cat /usr/share/ca-certificates/mozilla/*.crt > "$root/etc/ssl/certs/ca-certificates.crt"
  cp -a /usr/share/zoneinfo "$root/usr/share/zoneinfo"
}

# Inputs of min_root, as input_key arguments (no spaces).
min_root_inputs() {
  echo "=ca-certificates=$(dpkg-query -W -f '${Version}' ca-certificates)"
  echo "=tzdata=$(dpkg-query -W -f '${Version}' tzdata)"
}

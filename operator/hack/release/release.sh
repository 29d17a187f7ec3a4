#!/usr/bin/env bash
# `make release VERSION=x.y.z REGISTRY=host/path`: publishes one release to an
# OCI registry, as README.md's "Installing on a cluster" then pulls it.
#   1. the operator image for linux/amd64 and linux/arm64, from operator/Dockerfile
#      with the bases of hack/images/operator (buildah, offline), pushed as one
#      index: REGISTRY/chatcli-operator:VERSION;
#   2. an SPDX SBOM per platform (sbom.ts), attached as a signed attestation;
#   3. the chart, version VERSION, image.repository REGISTRY/chatcli-operator and
#      image.digest the index's digest, pushed to oci://REGISTRY/charts;
#   4. cosign signatures on the index (and each platform, --recursive) and the chart.
# What it published is written to $RELEASE_OUT/release.json (and printed).
#
# Environment:
#   COSIGN_KEY         a cosign private key (file, or a KMS URI), with
#                      COSIGN_PASSWORD; unset: keyless signing (Fulcio/Rekor with
#                      the CI's OIDC identity, e.g. GitHub Actions' id-token)
#   REGISTRY_CA_FILE   CA bundle of a registry with a private CA (the tests')
#   REGISTRY_USERNAME, REGISTRY_PASSWORD  log in with these first (else the
#                      tools' existing logins are used)
#   RELEASE_OUT        where files go (default operator/.tmp/release/VERSION)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
operator_dir=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../images/lib.sh
. "$here/../images/lib.sh"
say() { echo "[release] $*" >&2; }

version=${1:-}
registry=${2:-}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || [ -z "$registry" ] || [[ $registry == *://* ]]; then
  echo "usage: $0 <version x.y.z[-pre]> <registry host[:port]/path, no scheme>" >&2
  exit 2
fi
registry=${registry%/}
image_repo="$registry/chatcli-operator"
chart_repo="$registry/charts"
platforms=(amd64 arm64)
out=${RELEASE_OUT:-$operator_dir/.tmp/release/$version}
rm -rf "$out" && mkdir -p "$out"
start=$SECONDS

for tool in buildah skopeo; do
  command -v "$tool" >/dev/null || { say "missing $tool (Debian packages buildah, skopeo)"; exit 1; }
done
helm=$(bash "$here/../helm/build.sh" 4 | tail -n1)
node=$operator_dir/node_modules/.bin/node
[ -x "$node" ] || { say "no $node: run make deps (npm ci) first"; exit 1; }

# TLS to the registry: the tools' own flags for a private CA.
tls_buildah=() tls_helm=() tls_cosign=()
if [ -n "${REGISTRY_CA_FILE:-}" ]; then
  certs=$(mktemp -d) && at_exit "rm -rf '$certs'"
  cp "$REGISTRY_CA_FILE" "$certs/ca.crt"
  tls_buildah=(--cert-dir "$certs") tls_helm=(--ca-file "$REGISTRY_CA_FILE") tls_cosign=(--registry-cacert "$REGISTRY_CA_FILE")
fi
if [ -n "${REGISTRY_USERNAME:-}" ]; then
  host=${registry%%/*}
  bah login "${tls_buildah[@]}" --username "$REGISTRY_USERNAME" --password-stdin "$host" <<<"$REGISTRY_PASSWORD" >/dev/null
  "$helm" registry login "${tls_helm[@]}" --username "$REGISTRY_USERNAME" --password-stdin "$host" <<<"$REGISTRY_PASSWORD" >/dev/null
  "$(bash "$here/build.sh" cosign | tail -n1)" login --username "$REGISTRY_USERNAME" --password-stdin "$host" <<<"$REGISTRY_PASSWORD" >/dev/null
fi

# Signing: with a key, nothing leaves for a transparency log (a private key's
# signature is checked with its public key); keyless, cosign's defaults (the
# signing config of Sigstore's public-good instance).
sign_args=(--yes)
if [ -n "${COSIGN_KEY:-}" ]; then
  sign_args+=(--key "$COSIGN_KEY" --tlog-upload=false --use-signing-config=false)
fi

# 1. The image, one build per platform from the same Dockerfile and context.
list="localhost/chatcli-operator-release:$version-$$"
at_exit "bah manifest rm $list"
# --layers: the second platform reuses the first's build stage (npm ci, esbuild:
# the same on both); the cached layers are dropped when the script ends.
at_exit "bah rmi --prune"
host_arch=$(dpkg --print-architecture)
for arch in "${platforms[@]}"; do
  bases=$(bash "$images_dir/operator/build-bases.sh" "$arch")
  # buildah 1.28 sets no BUILDPLATFORM for the Dockerfile's FROM --platform, and
  # finds a local image of a foreign platform by its ID only (not by name).
  runtime_base=$(bah inspect --type image --format '{{.FromImageID}}' "$(sed -n 's/^RUNTIME_BASE=//p' <<<"$bases")")
  tag="$list-$arch"
  at_exit "bah rmi $tag"
  say "building the operator image for linux/$arch"
  nice -n 10 buildah --root "$img_cache/buildah/root" --runroot "$img_cache/buildah/run" \
    --storage-driver vfs bud --quiet --layers --force-rm --isolation chroot --pull=never --format oci --timestamp 0 \
    --platform "linux/$arch" --build-arg "BUILDPLATFORM=linux/$host_arch" \
    --build-arg "BUILD_BASE=$(sed -n 's/^BUILD_BASE=//p' <<<"$bases")" \
    --build-arg "RUNTIME_BASE=$runtime_base" \
    --label "org.opencontainers.image.version=$version" \
    --label "org.opencontainers.image.title=chatcli-operator" \
    --label "org.opencontainers.image.description=Kubernetes operator for ChatCLI server instances (ChatCLIInstance, chatcli.diillson.com/v1alpha1)" \
    --label "org.opencontainers.image.licenses=Apache-2.0" \
    --volume "$img_cache/npm-cache:/var/cache/npm" \
    -f "$operator_dir/Dockerfile" -t "$tag" "$operator_dir" >&2
  # It cannot run here when foreign: its binaries' ELF machine says what it is.
  ctr=$(bah from --quiet --pull=never "$tag")
  root=$(bah mount "$ctr")
  bash "$here/check-arch.sh" "$arch" "$root" "$root/nodejs/bin/node" "$root"/lib/*-linux-gnu/libc.so.6
  "$node" "$here/sbom.ts" --arch "$arch" --version "$version" --root "$root" \
    --lock "$operator_dir/package-lock.json" > "$out/sbom-linux-$arch.spdx.json"
  bah umount "$ctr" >/dev/null && bah rm "$ctr" >/dev/null
  bah manifest create "$list" >/dev/null 2>&1 || true
  bah manifest add "$list" "containers-storage:$tag" >/dev/null 2>&1 ||
    bah manifest add "$list" "$tag" >/dev/null
done

say "pushing $image_repo:$version (linux/amd64, linux/arm64)"
bah manifest push --quiet --all --format oci "${tls_buildah[@]}" --digestfile "$out/image.digest" \
  "$list" "docker://$image_repo:$version"
digest=$(cat "$out/image.digest")
# What the registry holds under that digest is the index of both platforms.
skopeo inspect --raw "${tls_buildah[@]}" "docker://$image_repo@$digest" > "$out/index.json"
[ "sha256:$(sha256sum < "$out/index.json" | cut -d' ' -f1)" = "$digest" ] || { say "the registry's index is not $digest"; exit 1; }
declare -A platform_digest
for arch in "${platforms[@]}"; do
  platform_digest[$arch]=$("$node" -e '
    const index = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const m = index.manifests.filter((d) => d.platform?.os === "linux" && d.platform?.architecture === process.argv[2]);
    if (m.length !== 1) { console.error(`index: ${m.length} manifests for linux/${process.argv[2]}`); process.exit(1); }
    console.log(m[0].digest);' "$out/index.json" "$arch")
done

# 2. + 4. Signatures on the index and each platform; each platform's SBOM.
cosign=$(bash "$here/build.sh" cosign | tail -n1)
say "signing $image_repo@$digest"
"$cosign" sign "${sign_args[@]}" "${tls_cosign[@]}" --recursive "$image_repo@$digest" >&2
for arch in "${platforms[@]}"; do
  "$cosign" attest "${sign_args[@]}" "${tls_cosign[@]}" --type spdxjson \
    --predicate "$out/sbom-linux-$arch.spdx.json" "$image_repo@${platform_digest[$arch]}" >&2
done

# 3. The chart: this version, pinned to the index by digest.
chart_dir="$out/chart/chatcli-operator"
mkdir -p "$out/chart" && cp -r "$operator_dir/../charts/chatcli-operator" "$chart_dir"
sed -i -e "s|^version: .*|version: $version|" -e "s|^appVersion: .*|appVersion: \"$version\"|" "$chart_dir/Chart.yaml"
sed -i -e "0,/^  repository: .*/s||  repository: $image_repo|" -e "0,/^  digest: \"\"/s||  digest: \"$digest\"|" "$chart_dir/values.yaml"
rendered=$("$helm" template chatcli-operator "$chart_dir" --namespace chatcli-system --skip-tests)
grep -q -x -F "          image: $image_repo@$digest" <<<"$rendered" || { say "the packaged chart does not render image $image_repo@$digest"; exit 1; }
"$helm" lint --strict "$chart_dir" >&2
"$helm" package "$chart_dir" --destination "$out" >&2
chart_tgz="$out/chatcli-operator-$version.tgz"
say "pushing oci://$chart_repo/chatcli-operator:$version"
"$helm" push "$chart_tgz" "oci://$chart_repo" "${tls_helm[@]}" > "$out/helm-push.log" 2>&1 || { cat "$out/helm-push.log" >&2; exit 1; }
chart_digest=$(sed -n 's/^Digest: *//p' "$out/helm-push.log")
[[ $chart_digest == sha256:* ]] || { cat "$out/helm-push.log" >&2; say "helm push printed no digest"; exit 1; }
say "signing $chart_repo/chatcli-operator@$chart_digest"
"$cosign" sign "${sign_args[@]}" "${tls_cosign[@]}" "$chart_repo/chatcli-operator@$chart_digest" >&2

cat > "$out/release.json" <<EOF
{
  "version": "$version",
  "image": "$image_repo@$digest",
  "platforms": { "linux/amd64": "${platform_digest[amd64]}", "linux/arm64": "${platform_digest[arm64]}" },
  "chart": "oci://$chart_repo/chatcli-operator",
  "chartDigest": "$chart_digest",
  "sbom": ["sbom-linux-amd64.spdx.json", "sbom-linux-arm64.spdx.json"]
}
EOF
say "released $version in $((SECONDS - start))s"
cat "$out/release.json"

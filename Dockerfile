# syntax=docker/dockerfile:1
#
# xyte-mcp as a container: the Streamable HTTP service on 0.0.0.0:8080, as a standalone binary on distroless.
#
#   docker build -t xyte-mcp .
#   docker run --rm -p 8080:8080 -e MCP_HTTP_TOKEN=… -e XYTE_ORG_API_KEY=… --read-only xyte-mcp --stateless
#
# Stage 1 compiles on the build machine's own platform for the target platform (`deno compile --target`),
# so a multi-arch build (docker buildx --platform linux/amd64,linux/arm64) needs no emulation. Stage 2 holds
# only the binary: no shell, no package manager, no Deno cache; it writes nothing (read-only root file
# system). There is no HEALTHCHECK (distroless has no shell or curl): orchestrators probe GET /healthz
# (liveness) and GET /readyz (readiness) on port 8080.
#
# Network permissions are baked into the binary (docs/running.md): the Xyte hosts, 0.0.0.0:8080, for
# deployments that share state through Redis, REDIS (host:port exactly as REDIS_URL names it; empty for
# none), and for OAuth sign-in, OAUTH (the MCP_OAUTH_ISSUER URL, then, space-separated, MCP_OAUTH_JWKS_URL or
# MCP_OAUTH_INTROSPECTION_URL when they are on other hosts; empty, the default, for none). Override with
# --build-arg XYTE_HUB=… XYTE_ENTRY=… REDIS=… OAUTH=….

FROM --platform=$BUILDPLATFORM denoland/deno:2.9.6 AS build
WORKDIR /app
ENV DENO_NO_UPDATE_CHECK=1
# Dependencies first: this layer is rebuilt only when the lockfile changes.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY src ./src
COPY scripts/compile.ts ./scripts/compile.ts
ARG TARGETARCH
ARG XYTE_HUB=https://hub.xyte.io
ARG XYTE_ENTRY=https://entry.xyte.io
ARG REDIS=xyte-mcp-redis:6379
ARG OAUTH=
RUN case "$TARGETARCH" in \
      amd64) target=x86_64-unknown-linux-gnu ;; \
      arm64) target=aarch64-unknown-linux-gnu ;; \
      *) echo "unsupported TARGETARCH: $TARGETARCH" >&2; exit 1 ;; \
    esac \
  && deno run --allow-all scripts/compile.ts --target "$target" --out dist \
    --hub "$XYTE_HUB" --entry "$XYTE_ENTRY" --bind 0.0.0.0:8080 ${REDIS:+--redis "$REDIS"} \
    ${OAUTH:+$(printf -- '--oauth %s ' $OAUTH)} \
  && mv "dist/xyte-mcp-$target" dist/xyte-mcp

FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="xyte-mcp" \
      org.opencontainers.image.description="MCP server for the Xyte device-management platform" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /app/dist/xyte-mcp /usr/local/bin/xyte-mcp
# distroless' nonroot user, numerically, so Kubernetes can verify runAsNonRoot.
USER 65532:65532
ENV MCP_TRANSPORT=http \
    MCP_HOST=0.0.0.0 \
    MCP_PORT=8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/xyte-mcp"]

# EmbedKit server image: `docker build -t embedkit:latest .` (README, "Container image").
# Build stage: the official Swift image compiles the CLI with the Swift runtime linked statically, so
# the runtime stage needs only the C and C++ runtimes Debian ships. scripts/ci/90-container-rootfs.sh
# builds the binary with the same command and runs it in a debootstrapped copy of the runtime stage.
ARG SWIFT_IMAGE=swift:6.2-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
WORKDIR /src
COPY . .
# MODEL: a model folder inside the build context to bake in as /models/model (the default --model);
# empty (the default) leaves /models empty for a volume or the Hub cache.
ARG MODEL=""
RUN swift build -c release --product embedkit --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/embedkit" /out/usr/local/bin/embedkit \
    && mkdir -p /out/models \
    && if [ -n "$MODEL" ]; then cp -r "$MODEL" /out/models/model; fi

FROM ${RUNTIME_IMAGE}
# curl for the health check; ca-certificates for Hub downloads (HF_HUB_OFFLINE=1 needs neither).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --create-home --home-dir /home/embedkit embedkit
COPY --from=build /out/usr/local/bin/embedkit /usr/local/bin/embedkit
COPY --from=build --chown=10001:10001 /out/models /models
USER 10001
ENV HOME=/home/embedkit \
    EMBEDKIT_HOST=0.0.0.0 \
    EMBEDKIT_PORT=8080
EXPOSE 8080
# /health answers 503 while the model loads and 200 once it serves.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["sh", "-c", "curl -fsS http://127.0.0.1:${EMBEDKIT_PORT}/health || exit 1"]
ENTRYPOINT ["/usr/local/bin/embedkit"]
CMD ["serve", "--model", "/models/model"]

# Production-like image: a release build of the agora binary on a slim Debian.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p agora

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/agora --create-home agora
COPY --from=build /src/target/release/agora /usr/local/bin/agora
USER agora
WORKDIR /var/lib/agora
ENV AGORA_DATA_DIR=/var/lib/agora AGORA_BIND=0.0.0.0:8080 AGORA_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["agora"]
CMD ["serve"]

# memgate, memgatectl and the example SQLite backend service, built from
# source on Debian bookworm; the final image has only their runtime libraries.
#
#   docker build -t memgate .                      # the runtime image (last stage)
#   docker build --target tools -t memgate-tools . # + sqlite3, for seeding volumes
#
# Ports: 11211 memcached protocol, 50051 admin gRPC API (+ grpc.health.v1,
# reflection), 50061 memgate-sqlite-backend (when that is the command).
# The default command serves the memory backend on 0.0.0.0:11211 with the
# admin API on the container's loopback only (memgate refuses a non-loopback
# admin address without --admin-token-file or --admin-insecure).

FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      cmake make g++ pkg-config ccache \
      libabsl-dev libboost1.81-dev \
      libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc grpc-proto \
      libhiredis-dev libssl-dev libjemalloc-dev libsqlite3-dev libyaml-cpp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The ccache directory is a build cache mount: a rebuild after a source
# change recompiles only what changed.
ENV CCACHE_DIR=/root/.cache/ccache
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DMEMGATE_BUILD_TESTS=OFF > /dev/null \
 && cmake --build /build --target memgate memgatectl memgate-sqlite-backend -j"$(nproc)" \
 && mkdir -p /out \
 && cp /build/app/memgate /build/admin/memgatectl \
       /build/examples/sqlite_backend/memgate-sqlite-backend /out/ \
 && strip /out/* \
 && { ccache -s | grep -E 'Hits|Misses' || true; }

FROM debian:bookworm-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# Only the shared libraries the three programs link (libgrpc++ brings
# libgrpc, c-ares, re2...); ca-certificates for rediss:// and TLS gRPC.
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      libgrpc++1.51 libprotobuf32 libhiredis0.14 libjemalloc2 libabsl20220623 libssl3 libsqlite3-0 \
      libyaml-cpp0.7 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/memgate --create-home \
      --shell /usr/sbin/nologin memgate
COPY --from=build /out/ /usr/local/bin/

# A one-shot helper image (compose's seed and token steps): the runtime plus
# the sqlite3 shell.
FROM runtime AS tools
RUN apt-get update -q && apt-get install -y -q --no-install-recommends sqlite3 \
 && rm -rf /var/lib/apt/lists/*
COPY packaging/docker/seed-sqlite.sql /usr/local/share/memgate/seed-sqlite.sql

FROM runtime
USER memgate
WORKDIR /var/lib/memgate
EXPOSE 11211 50051
# memgatectl asks grpc.health.v1 on $MEMGATE_ADMIN (default 127.0.0.1:50051):
# no token needed, no curl or nc in the image. For memgate-sqlite-backend,
# override with `memgatectl --admin 127.0.0.1:50061 health`.
HEALTHCHECK --interval=5s --timeout=4s --start-period=10s --retries=3 \
  CMD ["memgatectl", "--timeout", "3s", "health"]
ENTRYPOINT ["memgate"]
CMD ["--listen", "0.0.0.0:11211", "--admin", "127.0.0.1:50051"]

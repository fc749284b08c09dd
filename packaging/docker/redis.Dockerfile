# Debian's Redis for the compose stack (no image registry needed): a cache,
# no persistence, reachable on the compose network only.
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q && apt-get install -y -q --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/*
USER redis
EXPOSE 6379
HEALTHCHECK --interval=2s --timeout=3s --retries=5 CMD ["sh", "-c", "redis-cli ping | grep -q PONG"]
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]

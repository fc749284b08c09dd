#!/usr/bin/env bash
# Runs reflection_client.js against a fresh memgate: the admin API must be
# usable through server reflection alone, as grpcurl uses it. The npm
# packages are installed into WORKDIR (the build tree), never the repository.
# Exits 77 (skipped) only when npm cannot fetch the packages.
# usage: reflection_node_test.sh MEMGATE_BINARY CLIENT_JS WORKDIR
set -euo pipefail
memgate=$1
client=$2
work=$3

mkdir -p "$work"
cd "$work"
if [ ! -d node_modules/grpc-js-reflection-client ] || [ ! -d node_modules/@grpc/grpc-js ]; then
  [ -f package.json ] || echo '{"private": true}' > package.json
  if ! timeout 180 npm install --no-audit --no-fund --no-save --loglevel=error \
      grpc-js-reflection-client @grpc/grpc-js; then
    echo "SKIP: npm could not install grpc-js-reflection-client and @grpc/grpc-js (registry unreachable?)"
    exit 77
  fi
fi

log=$(mktemp)
"$memgate" --listen 127.0.0.1:0 --admin 127.0.0.1:0 -t 1 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$log"' EXIT
address=
for _ in $(seq 100); do
  address=$(sed -n 's/^memgate: admin listening on \([^ ]*\).*/\1/p' "$log")
  [ -n "$address" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "FAIL: memgate exited"; exit 1; }
  sleep 0.1
done
[ -n "$address" ] || { cat "$log"; echo "FAIL: no admin address in the log"; exit 1; }
node "$client" "$address"

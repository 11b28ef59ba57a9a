#!/usr/bin/env bash
# HTTP load bench: builds agora and agora-bench (release), generates a synthetic catalog, imports
# it into a temporary data dir, serves it on 127.0.0.1 (a free port), and runs wrk with the bench
# query mix against /api/v1/search (1 and 16 connections) and /api/v1/suggest (16 connections).
# Prints wrk's latency distribution, p50/p99 and requests/s, and the server's RSS after the load.
# Loopback only; every step is bounded in time. It prints figures and never fails on them.
#
#   scripts/bench.sh                      # 100k projects, 20 s per run
#   PROJECTS=10000 DURATION=10s scripts/bench.sh
set -euo pipefail

cd "$(dirname "$0")/.."
PROJECTS=${PROJECTS:-100000}
SEED=${SEED:-42}
DURATION=${DURATION:-20s}
QUERIES=${QUERIES:-1000}
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cargo build --release -p agora -p agora-bench
fi
if ! command -v wrk >/dev/null 2>&1; then
    apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
fi

WORK=$(mktemp -d -t agora-bench.XXXXXX)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "== generating $PROJECTS projects (seed $SEED) in $WORK"
"$BIN/agora-bench" generate --projects "$PROJECTS" --seed "$SEED" --out "$WORK/repos.json"
"$BIN/agora-bench" queries --projects "$PROJECTS" --seed "$SEED" --count "$QUERIES" \
    --endpoint search --out "$WORK/search.txt"
"$BIN/agora-bench" queries --projects "$PROJECTS" --seed "$SEED" --count "$QUERIES" \
    --endpoint suggest --out "$WORK/suggest.txt"

echo "== agora import"
start=$(date +%s.%N)
timeout 1800 "$BIN/agora" --data-dir "$WORK/data" import "$WORK/repos.json" >"$WORK/import.log" 2>&1
echo "import took $(echo "$(date +%s.%N) - $start" | bc) s"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
start_server() { # extra environment for the server, e.g. AGORA_SEARCH_CACHE_ENTRIES=0
    env "$@" "$BIN/agora" --data-dir "$WORK/data" serve --bind "127.0.0.1:$PORT" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        if curl -fsS "$URL/healthz" >/dev/null 2>&1; then break; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "the server exited:"; cat "$WORK/server.log"; exit 1
        fi
        sleep 1
    done
    curl -fsS "$URL/healthz" >/dev/null
    echo "== serving on $URL (pid $SERVER_PID); RSS before load: $(awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/$SERVER_PID/status")"
}
stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
start_server

# Each wrk thread cycles through the same list of request paths.
cat >"$WORK/mix.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
LUA

SUMMARY="$WORK/summary.md"
echo "| endpoint | connections | requests/s | p50 | p90 | p99 | non-2xx |" >"$SUMMARY"
echo "|---|---:|---:|---:|---:|---:|---:|" >>"$SUMMARY"

run_wrk() { # endpoint paths-file connections threads [label]
    local endpoint=$1 paths=$2 connections=$3 threads=$4 label=${5:-$1}
    local out="$WORK/wrk-$1-$3-${label// /_}.txt"
    echo "== wrk $endpoint, $connections connection(s), $DURATION"
    BENCH_PATHS="$paths" timeout 120 wrk -t"$threads" -c"$connections" -d"$DURATION" --latency \
        -s "$WORK/mix.lua" "$URL" | tee "$out"
    local p50 p90 p99 rps errors
    p50=$(awk '$1 == "50%" {print $2}' "$out")
    p90=$(awk '$1 == "90%" {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    rps=$(awk '/Requests\/sec/ {print $2}' "$out")
    errors=$(awk '/Non-2xx/ {print $5}' "$out")
    echo "| $label | $connections | $rps | $p50 | $p90 | $p99 | ${errors:-0} |" >>"$SUMMARY"
}

# The server as deployed: answers repeated between index commits come from its answer cache
# (the mix cycles through QUERIES requests, so after the first pass most are repeats).
run_wrk search "$WORK/search.txt" 1 1
run_wrk search "$WORK/search.txt" 16 2
run_wrk suggest "$WORK/suggest.txt" 16 2
RSS=$(awk '/VmRSS|VmHWM/ {printf "server %s %.0f MB; ", $1, $2/1024}' "/proc/$SERVER_PID/status")
stop_server

# The engine itself: the same mix with the answer cache off, every request searched.
start_server AGORA_SEARCH_CACHE_ENTRIES=0
run_wrk search "$WORK/search.txt" 1 1 "search, answer cache off"
run_wrk search "$WORK/search.txt" 16 2 "search, answer cache off"
run_wrk suggest "$WORK/suggest.txt" 16 2 "suggest, answer cache off"

echo
echo "## HTTP load: $PROJECTS projects, wrk $DURATION per run"
echo
cat "$SUMMARY"
echo
echo "$RSS (after the cached runs)"
awk '/VmRSS|VmHWM/ {printf "server %s %.0f MB\n", $1, $2/1024}' "/proc/$SERVER_PID/status"

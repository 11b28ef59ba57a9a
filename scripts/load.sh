#!/usr/bin/env bash
# Load bench: builds agora and agora-bench (release), then runs `agora-bench load` — simulated
# users mixing search, star/unstar and access requests against a real `agora serve` child on a
# free 127.0.0.1 port — first on SQLite, then on PostgreSQL (a scratch database created on the
# server below and dropped at the end). PostgreSQL is started, as .ci/run does, if it is down.
# Prints markdown tables; it never fails on a figure. Extra arguments go to both runs.
#
#   scripts/load.sh                                   # 200 users, 60 s, 10k projects
#   USERS=50 DURATION=20s PROJECTS=2000 scripts/load.sh --think-ms 200
#   BACKENDS=postgres scripts/load.sh
set -euo pipefail

cd "$(dirname "$0")/.."
USERS=${USERS:-200}
DURATION=${DURATION:-60s}
PROJECTS=${PROJECTS:-10000}
SEED=${SEED:-42}
BACKENDS=${BACKENDS:-"sqlite postgres"}
POSTGRES_URL=${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    cargo build --release -p agora -p agora-bench
fi

run_load() {
    timeout 3600 "$BIN/agora-bench" load --agora-bin "$BIN/agora" --users "$USERS" \
        --duration "$DURATION" --projects "$PROJECTS" --seed "$SEED" "$@"
}

for backend in $BACKENDS; do
    case "$backend" in
    sqlite)
        run_load "$@"
        ;;
    postgres)
        if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
            for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
        fi
        run_load --database-url "$POSTGRES_URL" "$@"
        ;;
    *)
        echo "unknown backend $backend (sqlite or postgres)" >&2
        exit 2
        ;;
    esac
done

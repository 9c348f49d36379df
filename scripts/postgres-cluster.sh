#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and CI: its own data directory in a temp folder, reached
# only through a unix socket in that folder (no TCP port to collide with, no system service).
#
#   scripts/postgres-cluster.sh start        prints the cluster's folder, then its URL, one per line
#   scripts/postgres-cluster.sh stop FOLDER  stops the cluster and removes its folder
#
# The URL names the superuser and the `postgres` database; tests create a database of their own
# with it. Durability is switched off (fsync, full-page writes): the data is thrown away anyway,
# and that keeps test setup fast. The collation is C, the byte order SQLite's BINARY compares in,
# so that ORDER BY on text gives the same answers on both engines.
set -euo pipefail

die() { echo "postgres-cluster: $*" >&2; exit 1; }

bin_dir() {
  local dir
  # Debian installs the server programs off PATH, one folder per major version; take the newest.
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "no PostgreSQL server found under /usr/lib/postgresql (apt-get install -y postgresql)"
  echo "$dir"
}

# initdb and the server refuse to run as root: as root, run them as Debian's `postgres` user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin folder
  bin=$(bin_dir)
  folder=$(mktemp -d "${TMPDIR:-/tmp}/pg-cluster.XXXXXX")
  # The socket path must fit in 107 bytes; mktemp under /tmp keeps it short.
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$folder"; fi
  chmod 700 "$folder"
  if ! as_owner "$bin/initdb" -D "$folder/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    --no-sync >"$folder/initdb.log" 2>&1; then
    cat "$folder/initdb.log" >&2
    rm -rf "$folder"
    die "initdb failed"
  fi
  # listen_addresses='' : no TCP at all, only the socket in the private folder.
  if ! as_owner "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 start -o \
    "-c listen_addresses='' -c unix_socket_directories='$folder' -c unix_socket_permissions=0700 \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
     -c shared_buffers=32MB" >/dev/null; then
    cat "$folder/server.log" >&2 || true
    rm -rf "$folder"
    die "the server did not start"
  fi
  echo "$folder"
  echo "postgresql://postgres@localhost/postgres?host=$folder"
}

stop() {
  local folder=${1:-}
  [ -n "$folder" ] || die "usage: $0 stop FOLDER"
  [ -d "$folder/data" ] || die "$folder is not a cluster folder made by '$0 start'"
  local bin
  bin=$(bin_dir)
  # Immediate: nothing in it needs saving.
  as_owner "$bin/pg_ctl" -D "$folder/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 start | stop FOLDER" ;;
esac

#!/usr/bin/env bash
# Manage a project-local PostgreSQL cluster for development and tests.
#
#   scripts/pg.sh start          init (if needed) + start the cluster, create the db; quiet on stdout
#   scripts/pg.sh url [dbname]   print a pgx DATABASE_URL (unix socket)
#   scripts/pg.sh stop           fast shutdown; no error when not running
#   scripts/pg.sh status         running?, data dir, socket dir, log, url
#   scripts/pg.sh psql [args]    psql against the project database
#
# Environment: PGDATABASE_NAME (db, default kabinet), KABINET_PG_PORT (default 5432),
# KABINET_PG_FAST=1 (fsync etc. off, for tests), PGBIN (dir with initdb/pg_ctl), TMPDIR.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd -P)"
# A short hash of the checkout path gives each checkout its own state, and keeps the
# socket path far below the ~107-byte unix socket path limit.
HASH="$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-10)"
TMP_ROOT="${TMPDIR:-/tmp}"
TMPBASE="${TMP_ROOT%/}/kabinet-$HASH"
SOCKDIR="$TMPBASE/sock"
PORT="${KABINET_PG_PORT:-5432}"
DBNAME="${PGDATABASE_NAME:-kabinet}"
BIN=""

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# The port ends up in a shell command line built by pg_ctl, so insist on digits.
[[ $PORT =~ ^[0-9]+$ ]] || die "KABINET_PG_PORT must be a number, got '$PORT'"

# PostgreSQL refuses to run as root: as root the server runs as "postgres".
if [[ $EUID -eq 0 ]]; then SRV_USER=postgres; else SRV_USER="$(id -un)"; fi

# Run a command as the server's user. The cd / avoids "could not change directory"
# complaints when the caller's cwd (e.g. /root) is unreadable for postgres.
as_srv() {
  if [[ $EUID -eq 0 ]]; then (cd / && runuser -u "$SRV_USER" -- "$@"); else "$@"; fi
}

# Create directory $2 with mode $1, owned by the server's user (the server writes there).
srv_dir() {
  if [[ $EUID -ne 0 ]]; then install -d -m "$1" "$2"; return; fi
  install -d -m "$1" -o "$SRV_USER" -g "$(id -gn "$SRV_USER")" "$2"
}

# Can the server's user reach and write <repo>/.data? A checkout under /root (mode 700)
# is not traversable by "postgres"; then the data goes to $TMPBASE instead.
repo_usable() {
  if [[ $EUID -eq 0 ]]; then id -u "$SRV_USER" >/dev/null 2>&1 && as_srv test -x "$REPO_ROOT"; return; fi
  if [[ -d $REPO_ROOT/.data ]]; then [[ -w $REPO_ROOT/.data ]]; else [[ -w $REPO_ROOT ]]; fi
}

# Pick BASE (holds pg/ and log/). An existing cluster wins so that its data is reused
# even if the reachability test would now answer differently.
pick_base() {
  if [[ -f $REPO_ROOT/.data/pg/PG_VERSION ]]; then BASE="$REPO_ROOT/.data"
  elif [[ -f $TMPBASE/pg/PG_VERSION ]]; then BASE="$TMPBASE"
  elif repo_usable; then BASE="$REPO_ROOT/.data"
  else BASE="$TMPBASE"
  fi
  DATA="$BASE/pg"
  LOG="$BASE/log/pg.log"
}

# Find a directory with initdb and pg_ctl: $PGBIN, else the newest /usr/lib/postgresql/*/bin.
find_bins() {
  local d
  local -a cands=("${PGBIN:-/usr/lib/postgresql/15/bin}")
  while IFS= read -r d; do cands+=("$d"); done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
  for d in "${cands[@]}"; do
    if [[ -x $d/initdb && -x $d/pg_ctl ]]; then BIN="$d"; return 0; fi
  done
  return 1
}

ensure_bins() {
  find_bins && return 0
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL server binaries not found; installing Debian package 'postgresql'"
    # Only the binaries are used: whatever system cluster the package sets up is left
    # alone and does not clash with ours (own socket dir, no TCP).
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >&2 || true
    find_bins && return 0
  fi
  log "PostgreSQL server binaries (initdb, pg_ctl) not found."
  log "Install them (Debian/Ubuntu: apt-get install postgresql; elsewhere PostgreSQL 15+ server"
  log "binaries) and set PGBIN to their directory, or set DATABASE_URL to an existing server."
  exit 1
}

# Path of a client program: the one next to the server binaries, else from PATH.
client() {
  if [[ -n $BIN && -x $BIN/$1 ]]; then printf '%s\n' "$BIN/$1"; return; fi
  command -v "$1" || die "$1 not found (install postgresql-client)"
}

is_running() { [[ -n $BIN && -f $DATA/PG_VERSION ]] && as_srv "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; }

ready() { "$(client pg_isready)" -q -h "$SOCKDIR" -p "$PORT" -U postgres -d postgres; }

# Take an exclusive lock so concurrent invocations (parallel test packages) serialise.
lock() { install -d -m 755 "$TMPBASE" && exec 9>"$TMPBASE/lock" && flock 9; }

print_url() { printf 'postgres://postgres@/%s?host=%s&port=%s&sslmode=disable\n' "$1" "$SOCKDIR" "$PORT"; }

cmd_start() {
  ensure_bins
  if [[ $EUID -eq 0 ]] && ! id -u "$SRV_USER" >/dev/null 2>&1; then
    log "creating system user $SRV_USER"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$SRV_USER"
  fi
  lock
  pick_base
  # The server writes pg/, log/ and the socket dir (recreated here if /tmp was cleaned).
  # 0700 on the socket dir: trust auth means anyone reaching the socket is superuser.
  [[ $BASE == "$TMPBASE" ]] || install -d -m 755 "$BASE"
  [[ -d $DATA ]] || srv_dir 700 "$DATA"
  srv_dir 755 "$BASE/log"
  srv_dir 700 "$SOCKDIR"

  # 9>&- everywhere below: the postmaster must not inherit (and so keep) our lock fd.
  if ! { is_running && ready; }; then
    if is_running; then # e.g. tmp cleaned (socket gone) or another KABINET_PG_PORT
      log "server runs but does not answer on $SOCKDIR port $PORT; restarting"
      as_srv "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 9>&- || true
    fi
    if [[ ! -f $DATA/PG_VERSION ]]; then
      log "initialising cluster in $DATA"
      as_srv "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-instructions >&2 9>&- ||
        die "initdb failed"
    fi
    local opts="-k '$SOCKDIR' -p $PORT -c listen_addresses='' -c max_connections=200"
    if [[ ${KABINET_PG_FAST:-} == 1 ]]; then
      opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    log "starting PostgreSQL (data $DATA, socket $SOCKDIR, port $PORT)"
    # pg_ctl handles a stale postmaster.pid by itself.
    if ! as_srv "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -o "$opts" start >&2 9>&-; then
      log "start failed; last 30 lines of $LOG:"
      tail -n 30 "$LOG" >&2 || true; exit 1
    fi
  fi

  # pg_ctl -w already waits; this also proves the socket answers.
  local i
  for ((i = 0; i < 100; i++)); do ready && break; sleep 0.2; done
  ready || die "server not ready after 20s; see $LOG"

  # Client commands run as the caller: trust auth over the socket lets them in.
  local psql exists
  psql="$(client psql)"
  exists="$("$psql" -X -h "$SOCKDIR" -p "$PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='${DBNAME//\'/\'\'}'")"
  if [[ $exists != 1 ]]; then
    log "creating database $DBNAME"
    "$(client createdb)" -h "$SOCKDIR" -p "$PORT" -U postgres "$DBNAME"
  fi
}

cmd_stop() {
  find_bins || return 0 # without binaries nothing of ours can be running
  pick_base
  [[ -f $DATA/PG_VERSION ]] || return 0
  lock
  is_running || { log "not running"; return 0; }
  log "stopping PostgreSQL ($DATA)"
  as_srv "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 9>&-
}

cmd_status() {
  local state=stopped
  find_bins || state="stopped (server binaries not found)"
  pick_base
  if is_running; then state=running; fi
  printf 'status: %s\ndata:   %s\nsocket: %s\nlog:    %s\nurl:    %s\n' \
    "$state" "$DATA" "$SOCKDIR" "$LOG" "$(print_url "$DBNAME")"
}

cmd_psql() {
  local psql
  find_bins || true
  psql="$(client psql)"
  exec "$psql" -h "$SOCKDIR" -p "$PORT" -U postgres -d "$DBNAME" "$@"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) print_url "${2:-$DBNAME}" ;;
  psql) shift; cmd_psql "$@" ;;
  -h | --help | help) sed -n '2,11s/^# \{0,1\}//p' "$0" ;;
  *) sed -n '2,11s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Local PostgreSQL for the Pedregal Spark gateway (role and database "pedregal", password "pedregal").
#
#   postgres.sh install                                 make sure initdb/pg_ctl exist (apt-get install postgresql)
#   postgres.sh start  [--port N] [--data DIR]          start on 127.0.0.1:N (default 5432), print the URL
#   postgres.sh stop   [--port N]                       stop the instance started by `start` on port N
#   postgres.sh kill   [--port N]                       crash it (immediate shutdown: no checkpoint, clients cut
#                                                       off; the next start recovers from the WAL) — for tests
#   postgres.sh status [--port N]                       print the URL if up, exit 1 otherwise
#   postgres.sh reset  [--port N] [--data DIR]          stop it and delete its data directory
#
# The URL printed is postgresql://127.0.0.1:N/pedregal (JDBC: jdbc:postgresql://127.0.0.1:N/pedregal,
# user pedregal, password pedregal). Authentication is `trust` (local test stack, listening on 127.0.0.1
# only): clients that send the password and clients that send none are both accepted.
#
# State per instance lives in DIR (default .local/postgres-<port>), initialised once with initdb; the unix
# socket goes to a private directory /tmp/pedregal-pg-<port>-<hash of DIR> (mode 700, owner postgres).
# Run as root, the server runs as the OS user `postgres` (PostgreSQL refuses root): DIR is owned by it
# and every directory above DIR is made traversable for it (see ensure_reachable). Run as another user,
# the server simply runs as that user.
# Pid, log and data-dir record: .local/run/postgres-<port>.{pid,log,datadir}.
# Binaries: $PEDREGAL_PG_BIN, else initdb in PATH, else the newest /usr/lib/postgresql/*/bin.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICE="postgres"
SERVER_NAME="PostgreSQL"
START_TIMEOUT="${PEDREGAL_PG_START_TIMEOUT:-60}"
DB_NAME="pedregal"
DB_USER="pedregal"
DB_PASSWORD="pedregal"
PG_OS_USER="postgres"           # used only when running as root
SUPERUSER="postgres"            # the bootstrap superuser of every cluster we initialise
MARKER=".pedregal-local-stack"  # written into each data directory this script initialised
# shellcheck source=lib.sh
source "${SCRIPT_DIR}/lib.sh"

# Runs a command as the server's OS user (postgres when we are root, ourselves otherwise), from /
# so that a cwd it cannot enter (e.g. /root) does not produce warnings.
as_pg() {
  if is_root; then
    (cd / && runuser -u "${PG_OS_USER}" -- "$@")
  else
    (cd / && "$@")
  fi
}

# ---------------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------------
valid_bin_dir() { [[ -x "$1/initdb" && -x "$1/pg_ctl" && -x "$1/postgres" ]]; }

# Prints the directory holding initdb, pg_ctl and postgres; fails if there is none.
find_pg_bin() {
  local d c
  if [[ -n "${PEDREGAL_PG_BIN:-}" ]]; then
    valid_bin_dir "${PEDREGAL_PG_BIN}" || die "PEDREGAL_PG_BIN=${PEDREGAL_PG_BIN} has no initdb/pg_ctl/postgres"
    echo "${PEDREGAL_PG_BIN}"
    return 0
  fi
  if c="$(command -v initdb 2>/dev/null)"; then
    d="$(dirname "$(readlink -f "${c}")")"
    if valid_bin_dir "${d}"; then echo "${d}"; return 0; fi
  fi
  local -a dirs=()
  shopt -s nullglob
  dirs=(/usr/lib/postgresql/*/bin)
  shopt -u nullglob
  if [[ ${#dirs[@]} -gt 0 ]]; then
    while IFS= read -r d; do
      if valid_bin_dir "${d}"; then echo "${d}"; return 0; fi
    done < <(printf '%s\n' "${dirs[@]}" | sort -V -r)
  fi
  return 1
}

# The client tools of the same version when they are there (Debian: yes), else whatever PATH has.
pg_tool() {
  if [[ -x "${PG_BIN}/$1" ]]; then echo "${PG_BIN}/$1"
  elif command -v "$1" >/dev/null 2>&1; then command -v "$1"
  else die "$1 not found (neither in ${PG_BIN} nor in PATH)"; fi
}

pg_major() {  # major version of the server binaries in PG_BIN
  "${PG_BIN}/pg_ctl" --version | sed -n 's/^[^0-9]*\([0-9][0-9]*\).*/\1/p' | head -n 1
}

ensure_os_user() {
  is_root || return 0
  id -u "${PG_OS_USER}" >/dev/null 2>&1 && return 0
  log "creating the system user ${PG_OS_USER} (PostgreSQL does not run as root)"
  useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "${PG_OS_USER}" \
    || die "could not create the user ${PG_OS_USER}"
}

# Sets PG_BIN; installs the package first when no binaries are found.
ensure_installed() {
  if ! PG_BIN="$(find_pg_bin)"; then
    apt_install postgresql find_pg_bin PEDREGAL_PG_BIN
    PG_BIN="$(find_pg_bin)" || die "still no initdb/pg_ctl after installing the postgresql package"
  fi
  ensure_os_user
  command -v runuser >/dev/null 2>&1 || ! is_root || die "runuser (util-linux) is needed to run PostgreSQL as ${PG_OS_USER}"
}

cmd_install() {
  [[ $# -eq 0 ]] || die "install: unknown argument '$1'"
  ensure_installed
  log "PostgreSQL $(pg_major) binaries in ${PG_BIN}"
}

# ---------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------
datadir_file() { echo "${RUN_DIR}/postgres-$1.datadir"; }
default_data() { echo "${LOCAL}/postgres-$1"; }
db_url() { echo "postgresql://127.0.0.1:$1/${DB_NAME}"; }

# Short, private and reachable by the postgres user wherever DIR lives (socket paths are limited to
# ~107 bytes, and /var/run/postgresql may be missing or belong to the system's own clusters).
socket_dir() {  # PORT DATA
  echo "/tmp/pedregal-pg-$1-$(printf '%s' "$2" | md5sum | cut -c1-8)"
}

parse_args() {  # sets PORT, DATA ("" when not given) from --port/--data; ALLOW_DATA=0 refuses --data
  take_port "${PEDREGAL_PG_PORT:-5432}" "$@"
  set -- ${REST[@]+"${REST[@]}"}
  DATA=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --data) [[ "${ALLOW_DATA:-1}" == 1 ]] || die "--data is not accepted here"
              [[ $# -ge 2 && -n "$2" ]] || die "--data needs a value"; DATA="$2"; shift 2 ;;
      --data=*) [[ "${ALLOW_DATA:-1}" == 1 ]] || die "--data is not accepted here"
                DATA="${1#--data=}"; [[ -n "${DATA}" ]] || die "--data needs a value"; shift ;;
      *) die "${SUB}: unknown argument '$1'" ;;
    esac
  done
  check_port "${PORT}"
  [[ -z "${DATA}" ]] || DATA="$(realpath -m -- "${DATA}")"
}

# The data directory of the instance on PORT: the one recorded by the last `start`, else the default.
recorded_data() {
  local f
  f="$(datadir_file "$1")"
  if [[ -s "${f}" ]]; then head -n 1 "${f}"; else default_data "$1"; fi
}

# The postmaster pid if PORT's recorded data directory is one of ours and its server is up on PORT.
running_pid() {  # PORT
  local data
  data="$(recorded_data "$1")"
  [[ -f "${data}/${MARKER}" && "$(sed -n 4p "${data}/postmaster.pid" 2>/dev/null | tr -dc '0-9')" == "$1" ]] || return 1
  recorded_pid "${data}/postmaster.pid" comm 'postgres*' 'postmaster*'
}

pg_ready() {  # PORT
  "$(pg_tool pg_isready)" -q -h 127.0.0.1 -p "$1" -U "${SUPERUSER}" -d postgres -t 2 >/dev/null 2>&1
}

# Makes every directory above DIR searchable by the postgres user, which otherwise could not reach a
# data directory inside e.g. /root/... (mode 700). Only the components it cannot traverse are changed,
# each one logged: an ACL for that one user where setfacl exists, else o+x (search, not listing).
ensure_reachable() {  # DIR (the parent of the data directory)
  is_root || return 0
  as_pg test -x "$1" 2>/dev/null && return 0
  local path="" part
  local -a parts
  IFS='/' read -r -a parts <<<"${1#/}"
  for part in "${parts[@]}"; do
    [[ -n "${part}" ]] || continue
    path="${path}/${part}"
    if ! as_pg test -x "${path}" 2>/dev/null; then
      if command -v setfacl >/dev/null 2>&1 && setfacl -m "u:${PG_OS_USER}:x" "${path}" 2>/dev/null; then
        log "granted ${PG_OS_USER} search permission on ${path} (ACL u:${PG_OS_USER}:x)"
      else
        chmod o+x "${path}" || die "cannot make ${path} traversable for ${PG_OS_USER}"
        log "made ${path} traversable (chmod o+x) so that ${PG_OS_USER} can reach its data directory"
      fi
    fi
  done
  as_pg test -x "$1" 2>/dev/null || die "${PG_OS_USER} still cannot reach $1"
}

wait_ready() {  # PORT PID STARTED_AT
  wait_until_ready "$1" "$2" "$3" 0.2 "accept connections on 127.0.0.1:$1" pg_ready "$1"
}

# Role and database "pedregal" (idempotent), over the private unix socket as the superuser.
ensure_database() {  # PORT DATA
  local sock
  sock="$(socket_dir "$1" "$2")"
  as_pg "$(pg_tool psql)" -X -q -v ON_ERROR_STOP=1 -h "${sock}" -p "$1" -U "${SUPERUSER}" -d postgres >/dev/null <<SQL \
    || die "could not create the role/database ${DB_NAME}"
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${DB_USER}') THEN
    CREATE ROLE ${DB_USER} LOGIN PASSWORD '${DB_PASSWORD}';
  ELSE
    ALTER ROLE ${DB_USER} LOGIN PASSWORD '${DB_PASSWORD}';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE ${DB_NAME} OWNER ${DB_USER} ENCODING ''UTF8'''
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${DB_NAME}')
\gexec
SQL
}

# ---------------------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------------------
cmd_start() {
  parse_args "$@"
  local started pid lf pf data
  started="$(date +%s)"
  lf="$(log_file "${PORT}")"
  pf="$(pid_file "${PORT}")"
  # The lock fd is closed for everything we launch (9>&-), or the server would hold it for its whole life.
  start_lock "postgres-${PORT}.lock" "postgres.sh start --port ${PORT}"

  ensure_installed

  if pid="$(running_pid "${PORT}")"; then
    data="$(recorded_data "${PORT}")"
    [[ -z "${DATA}" || "${DATA}" == "${data}" ]] \
      || die "port ${PORT} already serves ${data} (started by this script); stop it first to use ${DATA}"
    wait_ready "${PORT}" "${pid}" "${started}"
    log "PostgreSQL already running on port ${PORT} (pid ${pid}, data ${data})"
    db_url "${PORT}"
    return 0
  fi
  rm -f "${pf}"
  refuse_port_in_use "${PORT}"

  data="${DATA:-$(default_data "${PORT}")}"
  local major
  major="$(pg_major)"
  [[ -n "${major}" ]] || die "cannot tell the version of ${PG_BIN}/pg_ctl"

  # The data directory: ours (marker), or empty/missing and then initialised now. Anything else is
  # refused, so that neither start nor reset ever touches a cluster this script did not create.
  if [[ -e "${data}" && ! -d "${data}" ]]; then
    die "${data} exists and is not a directory"
  fi
  local fresh=0
  if [[ -f "${data}/${MARKER}" && -f "${data}/PG_VERSION" ]]; then
    local have
    have="$(tr -dc '0-9' < "${data}/PG_VERSION")"
    [[ "${have}" == "${major}" ]] \
      || die "${data} was initialised by PostgreSQL ${have} but the binaries are ${major} (${PG_BIN}); run: $0 reset --port ${PORT} --data ${data}"
  elif [[ -d "${data}" && -n "$(ls -A "${data}" 2>/dev/null)" ]]; then
    die "${data} is not empty and was not initialised by this script (use another --data, or remove it)"
  else
    fresh=1
  fi

  mkdir -p "${data}"
  printf '%s\n' "${data}" > "$(datadir_file "${PORT}")"
  ensure_reachable "$(dirname "${data}")"
  : > "${lf}"

  if [[ "${fresh}" == 1 ]]; then
    if is_root; then chown "${PG_OS_USER}:" "${data}"; fi
    chmod 700 "${data}"
    log "initialising a PostgreSQL ${major} cluster in ${data}"
    # trust: a local test stack listening on 127.0.0.1 only (the role still gets its password, so
    # clients configured with one work unchanged). Locale C keeps sorting identical everywhere.
    as_pg "${PG_BIN}/initdb" -D "${data}" -U "${SUPERUSER}" --auth-local=trust --auth-host=trust \
        --encoding=UTF8 --locale=C >>"${lf}" 2>&1 </dev/null 9>&- \
      || { tail -n 30 "${lf}" >&2; die "initdb failed (log: ${lf})"; }
    date -u +%Y-%m-%dT%H:%M:%SZ > "${data}/${MARKER}"
    if is_root; then chown "${PG_OS_USER}:" "${data}/${MARKER}"; fi
  fi

  local sock
  sock="$(socket_dir "${PORT}" "${data}")"
  if [[ -L "${sock}" || ( -e "${sock}" && ! -d "${sock}" ) ]]; then
    die "${sock} exists and is not a plain directory"
  fi
  mkdir -p "${sock}"
  if is_root; then chown "${PG_OS_USER}:" "${sock}"; fi
  chmod 700 "${sock}"

  log "starting PostgreSQL ${major} on 127.0.0.1:${PORT} (data: ${data}, log: ${lf})"
  # No -l: the server inherits the log file opened here (by us), so the postgres user needs no access
  # to .local/run; stdin/stdout of our caller are not inherited (a $(postgres.sh start) does not hang).
  # pg_ctl detaches the server into a session of its own.
  as_pg "${PG_BIN}/pg_ctl" start -D "${data}" -w -t "${START_TIMEOUT}" -s \
      -o "-c listen_addresses=127.0.0.1 -c port=${PORT} -c unix_socket_directories=${sock}" \
      >>"${lf}" 2>&1 </dev/null 9>&- \
    || { log "pg_ctl start failed; last lines of ${lf}:"; tail -n 40 "${lf}" >&2; exit 1; }

  pid="$(sed -n 1p "${data}/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  [[ -n "${pid}" ]] || die "no postmaster.pid in ${data} after pg_ctl start"
  echo "${pid}" > "${pf}"
  wait_ready "${PORT}" "${pid}" "${started}"
  ensure_database "${PORT}" "${data}"
  log "PostgreSQL is up on port ${PORT} after $(( $(date +%s) - started )) s (pid ${pid}); user ${DB_USER}, password ${DB_PASSWORD}"
  db_url "${PORT}"
}

# ---------------------------------------------------------------------------------------------------
# stop / status / reset
# ---------------------------------------------------------------------------------------------------
stop_instance() {  # PORT -> stops ours on PORT, if any
  local pid data
  pid="$(our_pid "$1")" || return 0
  PG_BIN="$(find_pg_bin)" || die "PostgreSQL binaries not found; cannot run pg_ctl stop"
  data="$(recorded_data "$1")"
  log "stopping PostgreSQL on port $1 (pid ${pid}, data ${data})"
  if ! as_pg "${PG_BIN}/pg_ctl" stop -D "${data}" -m fast -w -t 60 -s >&2 </dev/null; then
    log "fast shutdown did not finish in 60 s, using immediate mode"
    as_pg "${PG_BIN}/pg_ctl" stop -D "${data}" -m immediate -w -t 30 -s >&2 </dev/null \
      || die "could not stop PostgreSQL (pid ${pid})"
  fi
  rm -f "$(pid_file "$1")"
  rmdir "$(socket_dir "$1" "${data}")" 2>/dev/null || true
  log "stopped"
}

cmd_stop() {
  ALLOW_DATA=0 parse_args "$@"
  stop_instance "${PORT}"
}

cmd_kill() {
  ALLOW_DATA=0 parse_args "$@"
  local pid data
  pid="$(our_pid "${PORT}")" || return 0
  PG_BIN="$(find_pg_bin)" || die "PostgreSQL binaries not found; cannot run pg_ctl stop"
  data="$(recorded_data "${PORT}")"
  log "crashing PostgreSQL on port ${PORT} (pid ${pid}): immediate shutdown"
  as_pg "${PG_BIN}/pg_ctl" stop -D "${data}" -m immediate -w -t 30 -s >&2 </dev/null \
    || die "could not stop PostgreSQL (pid ${pid})"
  rm -f "$(pid_file "${PORT}")"
}

cmd_status() {
  ALLOW_DATA=0 parse_args "$@"
  local pid
  if pid="$(running_pid "${PORT}")" && PG_BIN="$(find_pg_bin)" && pg_ready "${PORT}"; then
    log "running on port ${PORT} (pid ${pid}, data $(recorded_data "${PORT}"))"
    db_url "${PORT}"
    return 0
  fi
  log "not running on port ${PORT}"
  return 1
}

cmd_reset() {
  parse_args "$@"
  local data recorded
  recorded="$(recorded_data "${PORT}")"
  data="${DATA:-${recorded}}"
  if [[ -n "${DATA}" && "${DATA}" != "${recorded}" ]] && running_pid "${PORT}" >/dev/null; then
    die "port ${PORT} serves ${recorded}, not ${DATA}; stop it first (or reset without --data)"
  fi
  stop_instance "${PORT}"
  if [[ -d "${data}" ]]; then
    if [[ -f "${data}/${MARKER}" || -z "$(ls -A "${data}" 2>/dev/null)" || "${data}" == "${recorded}" ]]; then
      [[ -f "${data}/postmaster.pid" ]] && as_pg "$(find_pg_bin)/pg_ctl" status -D "${data}" >/dev/null 2>&1 \
        && die "a server is still running on ${data}; not deleting it"
      log "deleting ${data}"
      rm -rf -- "${data}"
    else
      die "${data} was not initialised by this script; not deleting it"
    fi
  else
    log "no data directory ${data}"
  fi
  rmdir "$(socket_dir "${PORT}" "${data}")" 2>/dev/null || true
  rm -f "$(datadir_file "${PORT}")" "$(pid_file "${PORT}")"
}

# ---------------------------------------------------------------------------------------------------
[[ $# -ge 1 ]] || usage
SUB="$1"; shift
case "${SUB}" in
  install) cmd_install "$@" ;;
  start)   cmd_start "$@" ;;
  stop)    cmd_stop "$@" ;;
  kill)    cmd_kill "$@" ;;
  status)  cmd_status "$@" ;;
  reset)   cmd_reset "$@" ;;
  -h|--help|help) usage ;;
  *) log "unknown subcommand '${SUB}'"; usage ;;
esac

# Process handling shared by the local-stack scripts (redis.sh, postgres.sh, keycloak.sh, certs.sh).
# Sourced, not run. Before `source "${SCRIPT_DIR}/lib.sh"` a server script sets SCRIPT_DIR, SERVICE (its file
# prefix: .local/run/SERVICE-<port>.{pid,log}), SERVER_NAME (its name in messages) and START_TIMEOUT (seconds).
# shellcheck shell=bash

ROOT="$(cd "${SCRIPT_DIR:?}/../.." && pwd)"
LOCAL="${ROOT}/.local"
RUN_DIR="${LOCAL}/run"
PROG="${0##*/}"

# ---------------------------------------------------------------------------------------------------
# messages and arguments
# ---------------------------------------------------------------------------------------------------
# Prints a message on stderr, prefixed with the script's name.
log() { echo "${PROG}: $*" >&2; }

# Prints an error on stderr and exits 1.
die() { log "ERROR: $*"; exit 1; }

# Prints the script's header (the comment block after the shebang) on stderr and exits 2.
usage() {
  awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "${BASH_SOURCE[-1]}" >&2
  exit 2
}

# Sets PORT from --port N / --port=N (DEFAULT without one) and REST to the other arguments, in order.
# shellcheck disable=SC2034  # PORT and REST are for the caller
take_port() {  # DEFAULT ARG...
  PORT="$1"; shift
  REST=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --port) [[ $# -ge 2 ]] || die "--port needs a value"; PORT="$2"; shift 2 ;;
      --port=*) PORT="${1#--port=}"; shift ;;
      *) REST+=("$1"); shift ;;
    esac
  done
}

# Dies unless PORT is a TCP port number (1 to 65535).
check_port() {  # PORT
  if [[ ! "$1" =~ ^[0-9]+$ ]] || (( 10#$1 < 1 || 10#$1 > 65535 )); then die "invalid port '$1'"; fi
}

# True when this runs as root.
is_root() { [[ "${EUID}" -eq 0 ]]; }

# True when something (anything) accepts TCP connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Dies when PORT is taken by a process this script did not start (call it once running_pid found none).
refuse_port_in_use() {  # PORT
  if port_in_use "$1"; then
    die "port $1 is already in use by another process (not started by this script); choose one with --port"
  fi
}

# ---------------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------------
# Installs PACKAGE with apt-get (root only; HINT names the alternative) unless FINDER finds it meanwhile.
apt_install() {  # PACKAGE FINDER HINT
  local package="$1" finder="$2" hint="$3"
  is_root || die "${package} is not installed; install it (sudo apt-get install -y ${package}) or set ${hint}"
  command -v apt-get >/dev/null 2>&1 || die "${package} is not installed and there is no apt-get"
  # Debian's packages start their system service (Redis on 6379, PostgreSQL's "main" cluster on 5432, our
  # defaults) through invoke-rc.d; a policy-rc.d answering 101 ("action forbidden") keeps it from starting.
  # We add one only for the install, and only when the machine has none (Docker images usually do).
  local guard="/usr/sbin/policy-rc.d" own_guard=0
  if [[ ! -e "${guard}" ]]; then
    printf '#!/bin/sh\n# temporary, written by %s install\nexit 101\n' "$0" > "${guard}"
    chmod 755 "${guard}"
    own_guard=1
    # shellcheck disable=SC2064  # the path is fixed now
    trap "rm -f '${guard}'" EXIT
  fi
  log "installing ${package} with apt-get (apt-get update; apt-get install -y ${package})"
  local rc=0
  # Several test JVMs may install at once: dpkg's own lock makes the losers fail, so they wait on ours, and
  # whoever waited looks again (FINDER) before installing.
  exec 8>"/tmp/pedregal-apt-install.lock"
  if command -v flock >/dev/null 2>&1; then flock -w 600 8 || die "timed out waiting for another install"; fi
  if ! "${finder}" >/dev/null; then
    { DEBIAN_FRONTEND=noninteractive apt-get update -q \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${package}"; } >&2 8>&- || rc=$?
  fi
  exec 8>&-
  if [[ "${own_guard}" == 1 ]]; then
    rm -f "${guard}"
    trap - EXIT
  fi
  [[ "${rc}" == 0 ]] || die "apt-get install ${package} failed (exit ${rc})"
}

# ---------------------------------------------------------------------------------------------------
# the server's process
# ---------------------------------------------------------------------------------------------------
# The pid file written by `start` on PORT.
pid_file() { echo "${RUN_DIR}/${SERVICE}-$1.pid"; }

# The server's log on PORT.
log_file() { echo "${RUN_DIR}/${SERVICE}-$1.log"; }

# Holds fd 9 on RUN_DIR/LOCK (up to START_TIMEOUT + 60 s) so that one start runs at a time; start servers with 9>&-.
start_lock() {  # LOCK OTHER (the start waited for, in the timeout message)
  mkdir -p "${RUN_DIR}"
  exec 9>"${RUN_DIR}/$1"
  if command -v flock >/dev/null 2>&1; then
    flock -w $((START_TIMEOUT + 60)) 9 || die "timed out waiting for another '$2'"
  fi
}

# True while PID runs: alive, and not a zombie (exited, not yet reaped by its parent).
alive() {  # PID
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat="$(ps -o stat= -p "$1" 2>/dev/null || true)"
  [[ "${stat#"${stat%%[! ]*}"}" != Z* ]]
}

# Prints the pid on PIDFILE's first line if that process runs and its ps FIELD (comm, args) matches a glob PATTERN.
recorded_pid() {  # PIDFILE FIELD PATTERN...
  local pid value pattern
  [[ -s "$1" ]] || return 1
  pid="$(head -n 1 "$1" | tr -dc '0-9')"
  [[ -n "${pid}" ]] && alive "${pid}" || return 1
  value="$(ps -o "$2=" -p "${pid}" 2>/dev/null)" || return 1
  value="${value#"${value%%[! ]*}"}"
  shift 2
  for pattern in "$@"; do
    # shellcheck disable=SC2053  # PATTERN is a glob
    if [[ "${value}" == ${pattern} ]]; then echo "${pid}"; return 0; fi
  done
  return 1
}

# Runs PROBE ARG... every INTERVAL s until it succeeds (its output is ours); exits 1 showing PORT's log when PID
# ends first (removing its pid file) or when START_TIMEOUT s have passed since STARTED_AT ("did not READY_WHEN").
wait_until_ready() {  # PORT PID STARTED_AT INTERVAL READY_WHEN PROBE ARG...
  local port="$1" pid="$2" started="$3" interval="$4" ready_when="$5" lf
  shift 5
  lf="$(log_file "${port}")"
  while true; do
    "$@" && return 0
    if ! alive "${pid}"; then
      log "${SERVER_NAME} (pid ${pid}) exited before it was ready; last lines of ${lf}:"
      tail -n 40 "${lf}" >&2 || true
      rm -f "$(pid_file "${port}")"
      exit 1
    fi
    if (( $(date +%s) - started >= START_TIMEOUT )); then
      log "${SERVER_NAME} did not ${ready_when} within ${START_TIMEOUT} s; last lines of ${lf}:"
      tail -n 40 "${lf}" >&2 || true
      log "it is still running (pid ${pid}); stop it with: $0 stop --port ${port}"
      exit 1
    fi
    sleep "${interval}"
  done
}

# Waits up to SECONDS s for PID to end; false if it still runs then.
wait_gone() {  # PID SECONDS
  local i
  for (( i = 0; i < $2 * 10; i++ )); do
    alive "$1" || return 0
    sleep 0.1
  done
  ! alive "$1"
}

# Sends TERM to PID (to its whole process group with "group", if PID leads one), waits SECONDS s, then KILLs.
terminate() {  # PID SECONDS [group]
  local pid="$1" seconds="$2" target="$1"
  if [[ "${3:-}" == group && "$(ps -o pgid= -p "${pid}" 2>/dev/null | tr -dc '0-9')" == "${pid}" ]]; then
    target="-${pid}"
  fi
  kill -TERM -- "${target}" 2>/dev/null || true
  wait_gone "${pid}" "${seconds}" && return 0
  log "still running after ${seconds} s; kill -9"
  kill -KILL -- "${target}" 2>/dev/null || true
  wait_gone "${pid}" 5 || true
}

# Prints the pid of the server this script started on PORT (running_pid, the script's own check); else says
# that none runs there, removes a stale pid file and fails.
our_pid() {  # PORT
  local pf
  running_pid "$1" && return 0
  pf="$(pid_file "$1")"
  if [[ -f "${pf}" ]]; then
    rm -f "${pf}"
    log "stale pid file ${pf} removed"
  fi
  log "no ${SERVER_NAME} started by this script is running on port $1"
  return 1
}

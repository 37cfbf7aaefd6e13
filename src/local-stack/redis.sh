#!/usr/bin/env bash
# Local Redis for the Pedregal Spark gateway (capacity calendar, rate limits).
#
#   redis.sh install                              make sure redis-server and redis-cli exist (apt-get)
#   redis.sh start  [--port N] [--dir DIR] [--cluster [--node-timeout MS] [--rejoin]]
#                                                 start on 127.0.0.1:N (default 6379), print the URL;
#                                                 --cluster: a Redis Cluster node (cluster-enabled yes,
#                                                 cluster-node-timeout MS, default 5000), in no cluster yet;
#                                                 --rejoin: back into the cluster it was in (empty all the same)
#   redis.sh cluster-create [--replicas R] PORT...
#                                                 join cluster nodes started with --cluster into one cluster:
#                                                 the first PORTs primaries, R replicas each (default 0) from
#                                                 the rest; wait until it is ok and every replica in sync
#   redis.sh stop   [--port N]                    stop the instance started by `start` on port N
#   redis.sh kill   [--port N]                    kill -9 that instance (tests: a crashed Redis)
#   redis.sh status [--port N]                    print the URL if up, exit 1 otherwise
#
# The URL printed is redis://127.0.0.1:N. The server listens on 127.0.0.1 only, without persistence
# (no RDB, no AOF): a restart comes back empty, which is what the gateway must survive anyway. A cluster
# node also starts with a new nodes.conf (and the bus on port N+10000), so it belongs to no cluster yet
# (unless --rejoin); cluster-require-full-coverage is off, so while one primary is down (before its replica
# is promoted) the others keep serving their slots.
# Working directory DIR (default .local/redis-<port>). Pid and log: .local/run/redis-<port>.{pid,log}.
# stop and kill act only on the pid recorded by `start`, and only while that pid is a redis-server.
# Binaries: $PEDREGAL_REDIS_SERVER and $PEDREGAL_REDIS_CLI, else redis-server and redis-cli in PATH.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICE="redis"
SERVER_NAME="Redis"
START_TIMEOUT="${PEDREGAL_REDIS_START_TIMEOUT:-30}"
# shellcheck source=lib.sh
source "${SCRIPT_DIR}/lib.sh"

# ---------------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------------
# $VAR when set (it must be executable), else NAME in PATH.
find_binary() {  # VAR NAME
  local override="${!1:-}"
  if [[ -n "${override}" ]]; then
    [[ -x "${override}" ]] || die "$1=${override} is not executable"
    echo "${override}"
    return 0
  fi
  command -v "$2" 2>/dev/null
}

find_server() { find_binary PEDREGAL_REDIS_SERVER redis-server; }
find_cli() { find_binary PEDREGAL_REDIS_CLI redis-cli; }

# Sets SERVER; installs the package first when there is no binary.
ensure_installed() {
  if ! SERVER="$(find_server)"; then
    apt_install redis-server find_server "PEDREGAL_REDIS_SERVER / PEDREGAL_REDIS_CLI"
    SERVER="$(find_server)" || die "still no redis-server after installing the redis-server package"
  fi
}

# Sets CLI (redis-cli, needed to create a cluster); Debian ships it in redis-tools.
ensure_cli() {
  if ! CLI="$(find_cli)"; then
    apt_install redis-tools find_cli "PEDREGAL_REDIS_SERVER / PEDREGAL_REDIS_CLI"
    CLI="$(find_cli)" || die "still no redis-cli after installing the redis-tools package"
  fi
}

cmd_install() {
  [[ $# -eq 0 ]] || die "install: unknown argument '$1'"
  ensure_installed
  ensure_cli
  log "$("${SERVER}" --version | head -n 1) at ${SERVER}; $("${CLI}" --version | head -n 1) at ${CLI}"
}

# ---------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------
default_dir() { echo "${LOCAL}/redis-$1"; }
url() { echo "redis://127.0.0.1:$1"; }

# Answers PING over a raw socket, so that no redis-cli is needed.
redis_ready() {  # PORT
  local reply=""
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 reply <&3 || true
  exec 3>&-
  [[ "${reply}" == "+PONG"* ]]
}

parse_args() {  # sets PORT, DIR ("" when not given), CLUSTER (1 with --cluster), NODE_TIMEOUT, REJOIN
  take_port "${PEDREGAL_REDIS_PORT:-6379}" "$@"
  set -- ${REST[@]+"${REST[@]}"}
  DIR=""
  CLUSTER=0
  NODE_TIMEOUT=5000
  REJOIN=0
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --cluster) [[ "${ALLOW_DIR:-1}" == 1 ]] || die "--cluster is not accepted here"; CLUSTER=1; shift ;;
      --node-timeout) [[ "${ALLOW_DIR:-1}" == 1 ]] || die "--node-timeout is not accepted here"
                      [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || die "--node-timeout needs milliseconds"; NODE_TIMEOUT="$2"; shift 2 ;;
      --rejoin) [[ "${ALLOW_DIR:-1}" == 1 ]] || die "--rejoin is not accepted here"; REJOIN=1; shift ;;
      --dir) [[ "${ALLOW_DIR:-1}" == 1 ]] || die "--dir is not accepted here"
             [[ $# -ge 2 && -n "$2" ]] || die "--dir needs a value"; DIR="$2"; shift 2 ;;
      --dir=*) [[ "${ALLOW_DIR:-1}" == 1 ]] || die "--dir is not accepted here"
               DIR="${1#--dir=}"; [[ -n "${DIR}" ]] || die "--dir needs a value"; shift ;;
      *) die "${SUB}: unknown argument '$1'" ;;
    esac
  done
  check_port "${PORT}"
  [[ -z "${DIR}" ]] || DIR="$(realpath -m -- "${DIR}")"
  [[ "${CLUSTER}" == 1 || ( "${REJOIN}" == 0 && "${NODE_TIMEOUT}" == 5000 ) ]] || die "--node-timeout and --rejoin go with --cluster"
}

# The pid recorded by `start` on PORT, if that process is still a live redis-server.
running_pid() { recorded_pid "$(pid_file "$1")" comm 'redis-server*'; }

wait_ready() {  # PORT PID STARTED_AT
  wait_until_ready "$1" "$2" "$3" 0.05 "answer PING on 127.0.0.1:$1" redis_ready "$1"
}

# ---------------------------------------------------------------------------------------------------
# start / stop / kill / status
# ---------------------------------------------------------------------------------------------------
cmd_start() {
  parse_args "$@"
  local started pid lf pf dir
  started="$(date +%s)"
  lf="$(log_file "${PORT}")"
  pf="$(pid_file "${PORT}")"
  start_lock "redis-${PORT}.lock" "redis.sh start --port ${PORT}"

  ensure_installed

  if pid="$(running_pid "${PORT}")"; then
    wait_ready "${PORT}" "${pid}" "${started}"
    log "Redis already running on port ${PORT} (pid ${pid})"
    url "${PORT}"
    return 0
  fi
  rm -f "${pf}"
  refuse_port_in_use "${PORT}"

  dir="${DIR:-$(default_dir "${PORT}")}"
  mkdir -p "${dir}"
  : > "${lf}"
  local cluster_args=()
  if [[ "${CLUSTER}" == 1 ]]; then
    # A node that forgot its cluster, like its data: `cluster-create` joins it again. With --rejoin it keeps
    # nodes.conf and comes back as the node it was (its slots, if no replica took them), without its data.
    [[ "${REJOIN}" == 1 ]] || rm -f "${dir}/nodes.conf"
    # A replica syncs at once (the default waits 5 s for more replicas to share the transfer).
    cluster_args=(--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout "${NODE_TIMEOUT}"
      --cluster-require-full-coverage no --repl-diskless-sync-delay 0)
  fi
  log "starting Redis on 127.0.0.1:${PORT} (dir ${dir}, log ${lf}${cluster_args:+, cluster node})"
  # Foreground server in the background of a subshell of its own session (setsid), so it outlives
  # our caller; no persistence, so a restart is empty.
  setsid "${SERVER}" --port "${PORT}" --bind 127.0.0.1 --dir "${dir}" \
      --save "" --appendonly no --daemonize no --protected-mode yes \
      --logfile "${lf}" --pidfile "${dir}/redis.pid" "${cluster_args[@]}" \
      </dev/null >>"${lf}" 2>&1 9>&- &
  pid=$!
  echo "${pid}" > "${pf}"
  wait_ready "${PORT}" "${pid}" "${started}"
  log "Redis is up on port ${PORT} (pid ${pid})"
  url "${PORT}"
}

cmd_cluster_create() {
  local replicas=0
  if [[ "${1:-}" == --replicas ]]; then
    [[ "${2:-}" =~ ^[0-9]+$ ]] || die "cluster-create: --replicas needs a number"
    replicas="$2"; shift 2
  fi
  (( $# >= 3 * (replicas + 1) )) || die "cluster-create: give the ports of at least $((3 * (replicas + 1))) nodes started with --cluster"
  local port nodes=() started state link
  for port in "$@"; do
    [[ "${port}" =~ ^[0-9]+$ ]] || die "cluster-create: invalid port '${port}'"
    running_pid "${port}" >/dev/null || die "cluster-create: no Redis started by this script on port ${port}"
    nodes+=("127.0.0.1:${port}")
  done
  ensure_cli
  log "creating a Redis Cluster of ${nodes[*]} (${replicas} replica(s) per primary)"
  "${CLI}" --cluster create "${nodes[@]}" --cluster-replicas "${replicas}" --cluster-yes >&2 \
    || die "redis-cli --cluster create failed"
  # Every node must agree that all slots are served before a client's first slot map is right, and every
  # replica must have synced (a replica that never did cannot take over its primary).
  started="$(date +%s)"
  for port in "$@"; do
    while true; do
      state="$("${CLI}" -p "${port}" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p')"
      link="$("${CLI}" -p "${port}" info replication 2>/dev/null | tr -d '\r' | sed -n 's/^master_link_status://p')"
      [[ "${state}" == ok && ( -z "${link}" || "${link}" == up ) ]] && break
      (( $(date +%s) - started < START_TIMEOUT )) || die "node ${port} not ok within ${START_TIMEOUT} s (state '${state}', link '${link}')"
      sleep 0.1
    done
  done
  log "Redis Cluster ok on ports $*"
}

cmd_stop() {
  ALLOW_DIR=0 parse_args "$@"
  local pid
  pid="$(our_pid "${PORT}")" || return 0
  log "stopping Redis on port ${PORT} (pid ${pid})"
  terminate "${pid}" 10
  rm -f "$(pid_file "${PORT}")"
  log "stopped"
}

cmd_kill() {
  ALLOW_DIR=0 parse_args "$@"
  local pid
  pid="$(our_pid "${PORT}")" || return 0
  log "kill -9 Redis on port ${PORT} (pid ${pid})"
  kill -KILL "${pid}" 2>/dev/null || true
  wait_gone "${pid}" 5 || true
  rm -f "$(pid_file "${PORT}")"
}

cmd_status() {
  ALLOW_DIR=0 parse_args "$@"
  local pid
  if pid="$(running_pid "${PORT}")" && redis_ready "${PORT}"; then
    log "running on port ${PORT} (pid ${pid})"
    url "${PORT}"
    return 0
  fi
  log "not running on port ${PORT}"
  return 1
}

# ---------------------------------------------------------------------------------------------------
[[ $# -ge 1 ]] || usage
SUB="$1"; shift
case "${SUB}" in
  install) cmd_install "$@" ;;
  start)   cmd_start "$@" ;;
  cluster-create) cmd_cluster_create "$@" ;;
  stop)    cmd_stop "$@" ;;
  kill)    cmd_kill "$@" ;;
  status)  cmd_status "$@" ;;
  -h|--help|help) usage ;;
  *) log "unknown subcommand '${SUB}'"; usage ;;
esac

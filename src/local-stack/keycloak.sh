#!/usr/bin/env bash
# Local Keycloak for the Pedregal Spark gateway (dev mode, realm "pedregal").
#
#   keycloak.sh fetch                                   download + unzip the dist into .local/ (once)
#   keycloak.sh start [--port N] [--data DIR] [--mgmt-port M] [--fresh] [--foreground]
#                                                       start on 127.0.0.1:N (default 8180), print the issuer
#   keycloak.sh stop  [--port N]                        stop the instance started by `start` (pid file)
#   keycloak.sh status [--port N]                       print the issuer if up, exit 1 otherwise
#   keycloak.sh token USER [--port N] [--client C]      print a fresh access token (only the token)
#   keycloak.sh claims USER [--port N] [--client C]     print the decoded claims of a fresh access token
#
# Users (password = USER-password): alice, bob, carol, dave, erin -> password grant of the public
# client pyspark-cli (or --client pyspark-cli-short: 15 s tokens).
# Service accounts: ci-analytics -> client credentials with secret ci-analytics-secret.
#
# State per instance lives in DIR (default .local/keycloak-data/<port>), so instances on different
# ports never share a database; the realm is imported on first start, and again (fresh database)
# whenever the realm file changed or with --fresh. Health: http://127.0.0.1:<M>/health (M = N + 1000).
# Pid and log: .local/run/keycloak-<port>.{pid,log}.
set -euo pipefail

KC_VERSION="26.5.5"
KC_ARTIFACT="org.keycloak:keycloak-quarkus-dist:${KC_VERSION}:zip"
REALM="pedregal"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICE="keycloak"
SERVER_NAME="Keycloak"
START_TIMEOUT="${KC_START_TIMEOUT:-180}"
# shellcheck source=lib.sh
source "${SCRIPT_DIR}/lib.sh"
DIST="${LOCAL}/keycloak-${KC_VERSION}"
STAMP="${DIST}/.complete"
REALM_FILE="${SCRIPT_DIR}/realm/${REALM}-realm.json"

# Confidential clients with a service account: name -> secret (must match the realm file).
declare -A SERVICE_ACCOUNTS=( [ci-analytics]="ci-analytics-secret" )

# ---------------------------------------------------------------------------------------------------
# fetch
# ---------------------------------------------------------------------------------------------------
cmd_fetch() {
  if [[ -f "${STAMP}" ]]; then
    log "Keycloak ${KC_VERSION} already present in ${DIST}"
    return 0
  fi
  mkdir -p "${LOCAL}"
  local work
  work="$(mktemp -d "${LOCAL}/.keycloak-fetch.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '${work}'" EXIT

  log "downloading ${KC_ARTIFACT} (no transitive resolution)"
  # A standalone goal: it resolves one artifact into ~/.m2 and copies it; it does not build the project.
  (cd "${ROOT}" && ./mvnw -B -q -ntp \
      org.apache.maven.plugins:maven-dependency-plugin:3.7.0:copy \
      -Dartifact="${KC_ARTIFACT}" \
      -DoutputDirectory="${work}" \
      -Dmdep.overWriteReleases=true) \
    || die "could not download ${KC_ARTIFACT} from Maven Central"

  local zip="${work}/keycloak-quarkus-dist-${KC_VERSION}.zip"
  [[ -f "${zip}" ]] || die "expected ${zip} after dependency:copy"

  log "unpacking into ${DIST}"
  mkdir -p "${work}/x"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "${zip}" -d "${work}/x"
  else
    python3 -m zipfile -e "${zip}" "${work}/x"
  fi
  [[ -x "${work}/x/keycloak-${KC_VERSION}/bin/kc.sh" ]] || chmod +x "${work}/x/keycloak-${KC_VERSION}"/bin/*.sh
  [[ -f "${work}/x/keycloak-${KC_VERSION}/lib/quarkus-run.jar" ]] || die "unexpected layout of ${zip}"

  rm -rf "${DIST}"   # a previous, interrupted unpack (no stamp)
  mv "${work}/x/keycloak-${KC_VERSION}" "${DIST}"
  date -u +%Y-%m-%dT%H:%M:%SZ > "${STAMP}"
  log "Keycloak ${KC_VERSION} ready in ${DIST}"
}

# ---------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------
require_dist() {
  [[ -f "${STAMP}" ]] || die "Keycloak ${KC_VERSION} is not installed in ${DIST}; run 'make deps' (or '$0 fetch')"
}

base_url() { echo "http://127.0.0.1:$1"; }
issuer_url() { echo "$(base_url "$1")/realms/${REALM}"; }
well_known() { echo "$(issuer_url "$1")/.well-known/openid-configuration"; }

# The pid from the pid file, if that process is alive and is a Keycloak of ours.
running_pid() { recorded_pid "$(pid_file "$1")" args '*kc.sh*' '*keycloak*' '*QuarkusEntryPoint*'; }

# Prints the issuer advertised by the discovery document; fails if it is not served (yet).
discovered_issuer() {
  local body
  body="$(curl -fsS --max-time 5 "$(well_known "$1")" 2>/dev/null)" || return 1
  sed -n 's/.*"issuer"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' <<<"${body}"
}

# Prints the issuer once Keycloak serves one; fails before.
issuer_up() {  # PORT
  local issuer
  issuer="$(discovered_issuer "$1")" && [[ -n "${issuer}" ]] && echo "${issuer}"
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
    echo "${JAVA_HOME}/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "no Java found (set JAVA_HOME to a JDK 17+)"
  fi
}

parse_port_arg() {  # sets PORT from --port N / --port=N in "$@"; other args are left in REST
  take_port "${KC_PORT:-8180}" "$@"
  check_port "${PORT}"
}

# ---------------------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------------------
cmd_start() {
  local data="" mgmt_port="" foreground=0 fresh=0
  parse_port_arg "$@"
  set -- ${REST[@]+"${REST[@]}"}
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --data) [[ $# -ge 2 ]] || die "--data needs a value"; data="$2"; shift 2 ;;
      --data=*) data="${1#--data=}"; shift ;;
      --mgmt-port) [[ $# -ge 2 ]] || die "--mgmt-port needs a value"; mgmt_port="$2"; shift 2 ;;
      --mgmt-port=*) mgmt_port="${1#--mgmt-port=}"; shift ;;
      --foreground) foreground=1; shift ;;
      --fresh) fresh=1; shift ;;
      *) die "start: unknown argument '$1'" ;;
    esac
  done
  require_dist
  [[ -f "${REALM_FILE}" ]] || die "realm file ${REALM_FILE} is missing"
  # The management interface (health) needs a port of its own per instance; 9000 would collide.
  mgmt_port="${mgmt_port:-$((PORT + 1000))}"
  [[ "${mgmt_port}" =~ ^[0-9]+$ ]] || die "invalid management port '${mgmt_port}'"
  [[ -n "${data}" ]] || data="${LOCAL}/keycloak-data/${PORT}"
  mkdir -p "${data}"
  data="$(cd "${data}" && pwd)"

  local pf lf pid
  pf="$(pid_file "${PORT}")"
  lf="$(log_file "${PORT}")"

  # Serialise starts: the first start-dev re-augments the shared dist (lib/quarkus), which must not race.
  start_lock "keycloak-start.lock" "keycloak.sh start"

  if pid="$(running_pid "${PORT}")"; then
    log "Keycloak already running on port ${PORT} (pid ${pid})"
    [[ "${foreground}" == 1 ]] && die "--foreground: an instance is already running on port ${PORT}"
    wait_ready "${PORT}" "${pid}"
    return 0
  fi
  rm -f "${pf}"
  refuse_port_in_use "${PORT}"
  port_in_use "${mgmt_port}" && die "management port ${mgmt_port} is already in use (choose one with --mgmt-port)"

  # Per-instance Keycloak home: the dist's code, a private data/ (H2 database, tmp, import).
  # kc.home.dir decides where data/ lives; lib, providers, themes and conf come from the dist.
  local d
  for d in lib providers themes conf; do
    if [[ ! -e "${data}/${d}" ]]; then
      ln -s "${DIST}/${d}" "${data}/${d}"
    fi
  done
  # --import-realm skips a realm that already exists in the database: when the realm file changed
  # since this data directory was created (or with --fresh), drop the database so it is re-imported.
  local imported="${data}/data/import/${REALM}-realm.json"
  if [[ -d "${data}/data/h2" ]]; then
    if [[ "${fresh}" == 1 ]]; then
      log "--fresh: dropping the database in ${data}/data/h2"
      rm -rf "${data}/data/h2"
    elif [[ ! -f "${imported}" ]] || ! cmp -s "${REALM_FILE}" "${imported}"; then
      log "${REALM_FILE} changed since the last import: dropping the database in ${data}/data/h2"
      rm -rf "${data}/data/h2"
    fi
  fi
  mkdir -p "${data}/data/import"
  cp "${REALM_FILE}" "${imported}"

  local java
  java="$(java_bin)"
  local -a kc_cmd=(
    "${DIST}/bin/kc.sh" "-Dkc.home.dir=${data}"
    start-dev
    --http-host=127.0.0.1
    --http-port="${PORT}"
    --http-management-port="${mgmt_port}"
    --hostname="$(base_url "${PORT}")"
    --health-enabled=true
    --import-realm
  )
  local -a kc_env=(
    JAVA="${java}"
    KC_BOOTSTRAP_ADMIN_USERNAME="${KC_BOOTSTRAP_ADMIN_USERNAME:-admin}"
    KC_BOOTSTRAP_ADMIN_PASSWORD="${KC_BOOTSTRAP_ADMIN_PASSWORD:-admin}"
  )

  if [[ "${foreground}" == 1 ]]; then
    echo "$$" > "${pf}"
    exec 9>&-
    log "starting Keycloak ${KC_VERSION} in the foreground on $(base_url "${PORT}") (data: ${data})"
    exec env "${kc_env[@]}" "${kc_cmd[@]}"
  fi

  log "starting Keycloak ${KC_VERSION} on $(base_url "${PORT}") (data: ${data}, log: ${lf})"
  # New session: the instance survives the caller and `stop` can signal its whole process group.
  # The pid written is the one of kc.sh (== process group id), which forwards SIGTERM to the JVM.
  setsid env "${kc_env[@]}" bash -c 'echo $$ > "$1"; shift; exec "$@"' keycloak-launcher "${pf}" "${kc_cmd[@]}" \
    > "${lf}" 2>&1 < /dev/null 9>&- &
  local launcher=$!
  local i
  for i in $(seq 1 50); do [[ -s "${pf}" ]] && break; sleep 0.1; done
  [[ -s "${pf}" ]] || die "Keycloak launcher (pid ${launcher}) did not write ${pf}"
  pid="$(tr -dc '0-9' < "${pf}")"
  wait_ready "${PORT}" "${pid}"
}

wait_ready() {  # PORT PID: prints the issuer once it is served
  local started
  started="$(date +%s)"
  wait_until_ready "$1" "$2" "${started}" 1 "answer $(well_known "$1")" issuer_up "$1"
  log "Keycloak is up on port $1 after $(( $(date +%s) - started )) s (pid $2)"
}

# ---------------------------------------------------------------------------------------------------
# stop / status
# ---------------------------------------------------------------------------------------------------
cmd_stop() {
  parse_port_arg "$@"
  [[ ${#REST[@]} -eq 0 ]] || die "stop: unknown argument '${REST[0]}'"
  local pid
  pid="$(our_pid "${PORT}")" || return 0
  log "stopping Keycloak on port ${PORT} (pid ${pid})"
  # In its own process group (started by `start`): kc.sh and the JVM; else (e.g. --foreground) kc.sh
  # forwards TERM to the JVM.
  terminate "${pid}" 30 group
  rm -f "$(pid_file "${PORT}")"
  log "stopped"
}

cmd_status() {
  parse_port_arg "$@"
  local pid issuer
  if pid="$(running_pid "${PORT}")" && issuer="$(issuer_up "${PORT}")"; then
    log "running on port ${PORT} (pid ${pid})"
    echo "${issuer}"
    return 0
  fi
  log "not running on port ${PORT}"
  return 1
}

# ---------------------------------------------------------------------------------------------------
# token / claims
# ---------------------------------------------------------------------------------------------------
fetch_token() {  # sets TOKEN
  [[ $# -ge 1 ]] || die "token: USER (alice, bob, carol, dave, erin) or service account (ci-analytics) expected"
  local principal="$1"; shift
  local client=""
  parse_port_arg "$@"
  set -- ${REST[@]+"${REST[@]}"}
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --client) [[ $# -ge 2 ]] || die "--client needs a value"; client="$2"; shift 2 ;;
      --client=*) client="${1#--client=}"; shift ;;
      *) die "token: unknown argument '$1'" ;;
    esac
  done
  local endpoint resp
  endpoint="$(issuer_url "${PORT}")/protocol/openid-connect/token"
  if [[ -n "${SERVICE_ACCOUNTS[${principal}]+x}" ]]; then
    [[ -z "${client}" || "${client}" == "${principal}" ]] || die "service account ${principal} has no --client"
    resp="$(curl -sS --max-time 20 -X POST "${endpoint}" \
      --data-urlencode "grant_type=client_credentials" \
      --data-urlencode "client_id=${principal}" \
      --data-urlencode "client_secret=${SERVICE_ACCOUNTS[${principal}]}")" \
      || die "token endpoint ${endpoint} not reachable (is Keycloak started on port ${PORT}?)"
  else
    resp="$(curl -sS --max-time 20 -X POST "${endpoint}" \
      --data-urlencode "grant_type=password" \
      --data-urlencode "client_id=${client:-pyspark-cli}" \
      --data-urlencode "username=${principal}" \
      --data-urlencode "password=${principal}-password" \
      --data-urlencode "scope=openid")" \
      || die "token endpoint ${endpoint} not reachable (is Keycloak started on port ${PORT}?)"
  fi
  TOKEN="$(sed -n 's/.*"access_token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' <<<"${resp}")"
  [[ -n "${TOKEN}" ]] || die "no access token for '${principal}': ${resp}"
}

cmd_token() {
  local TOKEN
  fetch_token "$@"
  echo "${TOKEN}"
}

cmd_claims() {
  local TOKEN
  fetch_token "$@"
  python3 -c '
import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.dumps(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))), indent=2, sort_keys=True))
' "${TOKEN}"
}

# ---------------------------------------------------------------------------------------------------
[[ $# -ge 1 ]] || usage
sub="$1"; shift
case "${sub}" in
  fetch)  cmd_fetch "$@" ;;
  start)  cmd_start "$@" ;;
  stop)   cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  token)  cmd_token "$@" ;;
  claims) cmd_claims "$@" ;;
  -h|--help|help) usage ;;
  *) log "unknown subcommand '${sub}'"; usage ;;
esac

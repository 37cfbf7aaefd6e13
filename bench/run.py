#!/usr/bin/env python3
"""Runs every benchmark scenario and rewrites docs/performance.md (`make bench`; BENCH_QUICK=1 for a smoke run).

`run.py capacity` (`make bench-capacity`) runs only the capacity calendar's JMH benchmark and re-renders the report;
the other scenarios' results are kept as they were.

Each scenario is measured three ways in one run: direct (client -> backend), through the gateway and through
nginx grpc_pass. Processes are pinned with taskset when the machine has two CPUs or more: the proxy under test
(gateway or nginx) on CPU 1, load generator and fake backend on CPU 0. Only processes this script started are
ever stopped, by their pid. Ports: 26200-26299.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
RUN = ROOT / "target" / "bench"
JAR = ROOT / "target" / "quarkus-app" / "quarkus-run.jar"
SPARK_JARS = ROOT / ".local" / "spark-4.0.1" / "jars"
PYSPARK = ROOT / ".local" / "venv" / "bin" / "python"
QUICK = os.environ.get("BENCH_QUICK") == "1"

GATEWAY_GRPC, GATEWAY_HTTP = 26200, 26201
FAKE = 26210
NGINX_FAKE, NGINX_SPARK = 26220, 26221
LOCAL_GATEWAY_GRPC, LOCAL_GATEWAY_HTTP = 26230, 26231
SPARK_DIRECT = 26240
REDIS, JMH_REDIS = 26279, 26280

PINNED = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None and os.environ.get("BENCH_PIN") != "0"
CLIENT_CPU, PROXY_CPU = "0", "1"

# The same settings as the %it profile: identity off on loopback, no database.
GATEWAY_BASE = [
    "-Dpedregal.identity.mode=none",
    "-Dquarkus.oidc.tenant-enabled=false",
    "-Dquarkus.datasource.active=false",
    "-Dquarkus.hibernate-orm.active=false",
    "-Dquarkus.flyway.migrate-at-start=false",
    "-Dquarkus.http.auth.permission.operator.policy=permit",
    "-Dquarkus.grpc.server.host=127.0.0.1",
    "-Dpedregal.connect.drain-timeout=2s",
    # Capacity admission off: these scenarios measure the proxy; the calendar's cost is CapacityBenchmark (JMH).
    # Readiness still checks the Redis connection, so the gateways get a loopback Redis of their own.
    "-Dpedregal.capacity.enabled=false",
    f"-Dquarkus.redis.hosts=redis://127.0.0.1:{REDIS}",
]

# Spark's launcher module options, as the local backend passes them (GatewayConfig.Local#jvmOptions).
SPARK_JVM = ["-XX:+IgnoreUnrecognizedVMOptions", "--add-modules=jdk.incubator.vector"] + [
    f"--add-opens={m}=ALL-UNNAMED" for m in (
        "java.base/java.lang", "java.base/java.lang.invoke", "java.base/java.lang.reflect", "java.base/java.io",
        "java.base/java.net", "java.base/java.nio", "java.base/java.util", "java.base/java.util.concurrent",
        "java.base/java.util.concurrent.atomic", "java.base/jdk.internal.ref", "java.base/sun.nio.ch",
        "java.base/sun.nio.cs", "java.base/sun.security.action", "java.base/sun.util.calendar",
        "java.security.jgss/sun.security.krb5")
] + ["-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true"]

if QUICK:
    LOAD = dict(prewarm="1", warmup="0.5", duration="1.5")
    STREAM = dict(bytes=str(128 << 20), repeat="1")
    IDLE_SESSIONS, STARTS, WARM_SAMPLES = 1000, 1, 3
    JMH = ["-wi", "1", "-w", "1", "-i", "2", "-r", "1"]
else:
    LOAD = dict(prewarm="10", warmup="2", duration="6")
    STREAM = dict(bytes=str(1 << 30), repeat="3")
    IDLE_SESSIONS, STARTS, WARM_SAMPLES = 10_000, 3, 6
    JMH = []

started: list[subprocess.Popen] = []


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def pin(cpu: str | None, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", cpu] + cmd if PINNED and cpu is not None else cmd


def start(name: str, cmd: list[str], cpu: str | None = None, env: dict | None = None) -> subprocess.Popen:
    """Starts a process (taskset execs it, so the pid is the program's own) logging to target/bench/<name>.log."""
    out = open(RUN / f"{name}.log", "w")
    proc = subprocess.Popen(pin(cpu, cmd), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, **(env or {})})
    started.append(proc)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in started:
        started.remove(proc)


def run(cmd: list[str], cpu: str | None = None, timeout: float = 1800, **kwargs) -> str:
    result = subprocess.run(pin(cpu, cmd), cwd=ROOT, capture_output=True, text=True, timeout=timeout, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])}... failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(check, timeout: float, what: str, proc: subprocess.Popen | None = None) -> float:
    """Polls every 20 ms; returns the seconds waited."""
    begin = time.monotonic()
    while time.monotonic() - begin < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        if check():
            return time.monotonic() - begin
        time.sleep(0.02)
    raise RuntimeError(f"{what}: not within {timeout}s")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def heap_after_gc(pid: int, http_port: int) -> int:
    """Heap in use after two full collections, from the gateway's own /q/metrics."""
    for _ in range(2):
        run(["jcmd", str(pid), "GC.run"])
    time.sleep(1)
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/q/metrics", timeout=10) as r:
        text = r.read().decode()
    used = 0.0
    for line in text.splitlines():
        if line.startswith("jvm_memory_used_bytes{") and 'area="heap"' in line:
            used += float(line.rsplit(" ", 1)[1])
    return int(used)


def classpath() -> str:
    deps = (ROOT / "target" / "bench-classpath.txt").read_text().strip()
    return f"{ROOT}/target/test-classes:{ROOT}/target/classes:{deps}"


def bench_java(main: str, *args: str, heap: str = "2g") -> list[str]:
    return ["java", f"-Xmx{heap}", "-cp", classpath(), f"dev.pedregal.bench.{main}", *args]


def write(name: str, data) -> None:
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
    log(f"wrote bench/results/{name}.json")


# --- nginx --------------------------------------------------------------------------------------------------

def ensure_nginx() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx:
        return nginx
    log("installing nginx with apt (its service is kept from starting)")
    policy = Path("/usr/sbin/policy-rc.d")
    created = not policy.exists()
    if created:  # Debian's documented way to keep a package's service from starting at install
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-q"], env=env)
        run(["apt-get", "install", "-y", "-q", "nginx"], env=env)
    finally:
        if created:
            policy.unlink()
    return "/usr/sbin/nginx"


def nginx_config() -> Path:
    prefix = RUN / "nginx"
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    # One process (no master), one event loop: the same single CPU the gateway gets. Upstream connections are
    # kept alive, as any production grpc_pass set-up would; nginx opens one upstream connection per
    # concurrent stream (it does not multiplex upstream).
    conf.write_text(f"""daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    client_max_body_size 0;
    keepalive_requests 1000000;
    upstream fake {{ server 127.0.0.1:{FAKE}; keepalive 1024; keepalive_requests 1000000; }}
    upstream spark {{ server 127.0.0.1:{SPARK_DIRECT}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{NGINX_FAKE} http2;
        grpc_read_timeout 600s;
        grpc_send_timeout 600s;
        location / {{ grpc_pass grpc://fake; }}
    }}
    server {{
        listen 127.0.0.1:{NGINX_SPARK} http2;
        grpc_read_timeout 600s;
        location / {{ grpc_pass grpc://spark; }}
    }}
}}
""")
    return conf


# --- Redis -------------------------------------------------------------------------------------------------------

def redis(action: str, port: int = REDIS) -> None:
    """src/local-stack/redis.sh start|stop on a port of ours (it stops only the server it started)."""
    extra = ["--dir", str(RUN / f"redis-{port}")] if action == "start" else []
    run([str(ROOT / "src" / "local-stack" / "redis.sh"), action, "--port", str(port), *extra], timeout=600)


# --- scenarios -------------------------------------------------------------------------------------------------

def gateway_fixed_cmd() -> list[str]:
    return ["java", "-Xmx1g", *GATEWAY_BASE,
            f"-Dquarkus.grpc.server.port={GATEWAY_GRPC}", f"-Dquarkus.http.port={GATEWAY_HTTP}",
            f"-Dpedregal.backend.fixed-endpoints=127.0.0.1:{FAKE}",
            "-Dpedregal.pool.warm-drivers=1", "-Dpedregal.pool.max-drivers=1",
            "-Dpedregal.pool.max-sessions-per-driver=1000000",
            "-jar", str(JAR)]


def start_gateway_fixed() -> tuple[subprocess.Popen, dict]:
    """Starts the gateway on the fake backend; returns it with its time to ready and RSS at ready."""
    begin = time.monotonic()
    gateway = start("gateway-fixed", gateway_fixed_cmd(), PROXY_CPU)
    wait_for(lambda: http_ok(f"http://127.0.0.1:{GATEWAY_HTTP}/q/health/ready"), 120, "gateway ready", gateway)
    ready = time.monotonic() - begin
    return gateway, {"secondsToReady": round(ready, 3), "rssKiB": rss_kib(gateway.pid)}


def scenario_startup() -> subprocess.Popen:
    """Start-up to ready (fake backend, so Spark's start is not in it), then leaves the last gateway running."""
    runs = []
    for i in range(STARTS):
        gateway, figures = start_gateway_fixed()
        runs.append(figures)
        log(f"gateway start {i + 1}: {figures}")
        if i < STARTS - 1:
            stop(gateway)
    write("startup", {"gateway": runs, "note": "fixed backend (fake Spark Connect): the gateway's own start"})
    return gateway


def scenario_idle(gateway: subprocess.Popen, nginx: subprocess.Popen) -> None:
    pid = gateway.pid
    before_heap, before_rss = heap_after_gc(pid, GATEWAY_HTTP), rss_kib(pid)
    nginx_before = rss_kib(nginx.pid)
    run(bench_java("IdleSessions", "--target", f"gateway=127.0.0.1:{GATEWAY_GRPC}", "--count", str(IDLE_SESSIONS),
                   "--out", str(RUN / "idle-gateway.json")), CLIENT_CPU)
    after_heap, after_rss = heap_after_gc(pid, GATEWAY_HTTP), rss_kib(pid)
    run(bench_java("IdleSessions", "--target", f"nginx=127.0.0.1:{NGINX_FAKE}", "--count", str(IDLE_SESSIONS),
                   "--out", str(RUN / "idle-nginx.json")), CLIENT_CPU)
    nginx_after = rss_kib(nginx.pid)
    with urllib.request.urlopen(f"http://127.0.0.1:{GATEWAY_HTTP}/q/metrics", timeout=10) as r:
        sessions_gauge = [l for l in r.read().decode().splitlines() if l.startswith("pedregal_sessions")]
    created = json.loads((RUN / "idle-gateway.json").read_text())
    write("idle-sessions", {
        "sessions": IDLE_SESSIONS,
        "errors": created["errors"],
        "gateway": {"heapBeforeBytes": before_heap, "heapAfterBytes": after_heap,
                    "heapPerSessionBytes": round((after_heap - before_heap) / IDLE_SESSIONS, 1),
                    "rssBeforeKiB": before_rss, "rssAfterKiB": after_rss,
                    "rssPerSessionBytes": round((after_rss - before_rss) * 1024 / IDLE_SESSIONS, 1),
                    "sessionsGauge": sessions_gauge},
        "nginx": {"rssBeforeKiB": nginx_before, "rssAfterKiB": nginx_after,
                  "rssPerSessionBytes": round((nginx_after - nginx_before) * 1024 / IDLE_SESSIONS, 1)},
        "direct": "nothing between client and backend holds a session",
    })


def scenario_jmh() -> None:
    out = RESULTS / "jmh-authentication.json"
    run(["java", "-cp", classpath(), "org.openjdk.jmh.Main", "AuthenticationBenchmark", "-rf", "json",
         "-rff", str(out), *JMH], PROXY_CPU)
    log(f"wrote {out.relative_to(ROOT)}")
    scenario_capacity()


def scenario_capacity() -> None:
    """CapacityBenchmark (JMH) and a record of the conditions it ran in (jmh-capacity-run.json).

    Pinned: JMH (client) on the proxy CPU; the benchmark moves the redis-server it starts (which inherits JMH's
    CPU) to the client CPU, so client and Redis each have a core of their own, as they would on two machines.
    """
    out = RESULTS / "jmh-capacity.json"
    RUN.mkdir(parents=True, exist_ok=True)
    cpu_file = RUN / "capacity-cpu.jsonl"  # one line per trial: Redis's and the JVM's CPU seconds (see the benchmark)
    cpu_file.unlink(missing_ok=True)
    jvm = [f"-Dpedregal.bench.redis-port={JMH_REDIS}", f"-Dpedregal.bench.capacity-cpu-file={cpu_file}"] + (
        [f"-Dpedregal.bench.redis-cpu={CLIENT_CPU}"] if PINNED else [])
    earlier = capacity_history()
    facts = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "commit": git_commit(), "loadAverage": list(os.getloadavg()),
             "pinned": PINNED, "jmhCpu": PROXY_CPU if PINNED else None, "redisCpu": CLIENT_CPU if PINNED else None,
             "quick": QUICK}
    begin = time.monotonic()
    run(["java", "-cp", classpath(), "org.openjdk.jmh.Main", "CapacityBenchmark", "-rf", "json", "-rff", str(out),
         "-jvmArgsAppend", " ".join(jvm), *JMH], PROXY_CPU)
    log(f"wrote {out.relative_to(ROOT)}")
    cpu = [json.loads(line) for line in cpu_file.read_text().splitlines()] if cpu_file.exists() else []
    write("jmh-capacity-run", {**facts, "loadAverageAfter": list(os.getloadavg()),
                               "seconds": round(time.monotonic() - begin), "cpu": cpu, "earlier": earlier})


CAPACITY_SUMMARY = (("holdAndCommitP99Us", "holdAndCommit", "99.0"), ("scheduleP99Us", "scheduleValidation30Days", "99.0"),
                    ("scheduleWithConflictsP99Us", "scheduleValidation30DaysWithConflicts", "99.0"))


def capacity_history(keep: int = 5) -> list[dict]:
    """The previous capacity runs in short (the last one from the results about to be replaced): on a shared
    machine one run's tail latencies follow its load, so the report shows the runs beside each other."""
    run_file, jmh_file = RESULTS / "jmh-capacity-run.json", RESULTS / "jmh-capacity.json"
    if not run_file.exists() or not jmh_file.exists():
        return []
    last = json.loads(run_file.read_text())
    scores = {b["benchmark"].rsplit(".", 1)[1]: b["primaryMetric"] for b in json.loads(jmh_file.read_text())}
    summary = {"date": last["date"], "commit": last.get("commit"), "quick": last["quick"],
               "loadAverage": last["loadAverage"], "loadAverageAfter": last["loadAverageAfter"],
               "reservationsPerSecond": scores.get("reservationsAtConcurrency", {}).get("score")}
    for key, name, pct in CAPACITY_SUMMARY:
        summary[key] = scores.get(name, {}).get("scorePercentiles", {}).get(pct)
    return (last.get("earlier", []) + [summary])[-keep:]


def git_commit() -> str | None:
    """The code measured: the commit, marked + when the worktree has changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "bench/src"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("+" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def spark_server_cmd() -> list[str]:
    return ["java", "-Xmx768m", *SPARK_JVM, "-cp", f"{SPARK_JARS}/*", "org.apache.spark.deploy.SparkSubmit",
            "--master", "local[2]", "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--name", "bench-direct",
            "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
            "--conf", f"spark.connect.grpc.binding.port={SPARK_DIRECT}",
            "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1", "spark-internal"]


def pyspark_samples(mode: str, port: int, arg: int) -> list[float]:
    out = run([str(PYSPARK), str(BENCH / "session_start.py"), mode, f"sc://127.0.0.1:{port}", str(arg)], timeout=600)
    return json.loads(out.strip().splitlines()[-1])["samples"]


def gateway_local_cmd(warm: int) -> list[str]:
    return ["java", "-Xmx1g", *GATEWAY_BASE,
            f"-Dquarkus.grpc.server.port={LOCAL_GATEWAY_GRPC}", f"-Dquarkus.http.port={LOCAL_GATEWAY_HTTP}",
            f"-Dpedregal.pool.warm-drivers={warm}", "-Dpedregal.pool.max-drivers=1",
            "-Dpedregal.pool.max-sessions-per-driver=100", "-Dpedregal.local.driver-memory=768m",
            f"-Dpedregal.local.work-dir={RUN}/drivers", "-Dpedregal.connect.driver-wait=300s",
            "-jar", str(JAR)]


def scenario_session_start() -> None:
    """Real Spark, not pinned: the gateway's drivers are its children and would inherit its CPU."""
    result = {}
    begin = time.monotonic()
    spark = start("spark-direct", spark_server_cmd(), env={"SPARK_LOCAL_IP": "127.0.0.1"})
    try:
        wait_for(lambda: port_open(SPARK_DIRECT), 300, "Spark Connect server", spark)
        port_seconds = time.monotonic() - begin
        first = pyspark_samples("warm", SPARK_DIRECT, 1)[0]
        result["directCold"] = {"seconds": round(port_seconds + first, 3), "portOpenSeconds": round(port_seconds, 3)}
        log(f"Spark cold start, direct: {result['directCold']}")
        result["directWarm"] = pyspark_samples("warm", SPARK_DIRECT, WARM_SAMPLES)
        result["nginxWarm"] = pyspark_samples("warm", NGINX_SPARK, WARM_SAMPLES)
    finally:
        stop(spark)
    begin = time.monotonic()
    gateway = start("gateway-local-warm", gateway_local_cmd(1))
    try:
        wait_for(lambda: http_ok(f"http://127.0.0.1:{LOCAL_GATEWAY_HTTP}/q/health/ready"), 300, "gateway with a warm driver", gateway)
        result["gatewayWarmReadySeconds"] = round(time.monotonic() - begin, 3)
        result["gatewayWarm"] = pyspark_samples("warm", LOCAL_GATEWAY_GRPC, WARM_SAMPLES)
    finally:
        stop(gateway, 60)
    gateway = start("gateway-local-cold", gateway_local_cmd(0))
    try:
        wait_for(lambda: port_open(LOCAL_GATEWAY_GRPC), 120, "gateway without warm drivers", gateway)
        result["gatewayCold"] = pyspark_samples("cold", LOCAL_GATEWAY_GRPC, 1)
    finally:
        stop(gateway, 60)
    log(f"session start: {result}")
    write("session-start", result)


def machine() -> dict:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), "unknown")
    mem = next(l.split(":", 1)[1].strip() for l in Path("/proc/meminfo").read_text().splitlines()
               if l.startswith("MemTotal"))
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.strip().splitlines()
    nginx = subprocess.run([ensure_nginx(), "-v"], capture_output=True, text=True).stderr.strip()
    return {"nproc": os.cpu_count(), "cpuModel": cpu, "memory": mem, "jdk": java, "nginx": nginx,
            "kernel": os.uname().release, "loadAverage": list(os.getloadavg()), "pinned": PINNED,
            "clientCpu": CLIENT_CPU if PINNED else None, "proxyCpu": PROXY_CPU if PINNED else None,
            "quick": QUICK, "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def report() -> None:
    venv = BENCH / ".venv"
    if not (venv / ".complete").exists():
        log("creating bench/.venv with matplotlib")
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "-q", "matplotlib"])
        (venv / ".complete").touch()
    print(run([str(venv / "bin" / "python"), str(BENCH / "report.py")]), end="")


def capacity_only() -> None:
    """`run.py capacity`: only CapacityBenchmark; the other results stay as they are and the report is redone."""
    if not (ROOT / "target" / "bench-classpath.txt").exists():
        raise SystemExit("build first: make bench-capacity (it compiles the benchmark and writes target/bench-classpath.txt)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    log("scenario: capacity calendar (JMH)")
    scenario_capacity()
    report()


def main() -> None:
    if sys.argv[1:] == ["capacity"]:
        return capacity_only()
    if not JAR.exists() or not (ROOT / "target" / "bench-classpath.txt").exists():
        raise SystemExit("build first: make bench (it packages the gateway and writes target/bench-classpath.txt)")
    RUN.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for old in RESULTS.glob("*.json"):
        old.unlink()
    total = time.monotonic()
    facts = machine()
    log(f"machine: {facts}")
    nginx_bin = ensure_nginx()
    targets = (f"direct=127.0.0.1:{FAKE},gateway=127.0.0.1:{GATEWAY_GRPC},nginx=127.0.0.1:{NGINX_FAKE}")
    try:
        redis("start")
        fake = start("fake-backend", bench_java("FakeSparkConnect", str(FAKE), heap="1g"), CLIENT_CPU)
        wait_for(lambda: port_open(FAKE), 60, "fake backend", fake)
        nginx = start("nginx", [nginx_bin, "-p", str(RUN / "nginx"), "-c", str(nginx_config())], PROXY_CPU)
        wait_for(lambda: port_open(NGINX_FAKE), 30, "nginx", nginx)
        log("scenario: gateway start-up")
        gateway = scenario_startup()
        log("scenario: unary Config (closed loop, then constant rate)")
        run(bench_java("ConfigLoad", "--targets", targets, "--sessions", "1,16,64,256", "--prewarm", LOAD["prewarm"],
                       "--warmup", LOAD["warmup"],
                       "--duration", LOAD["duration"], "--out", str(RESULTS / "config.json")), CLIENT_CPU)
        log("scenario: ExecutePlan streaming")
        run(bench_java("StreamLoad", "--targets", targets, "--bytes", STREAM["bytes"], "--repeat", STREAM["repeat"],
                       "--out", str(RESULTS / "stream.json")), CLIENT_CPU)
        log(f"scenario: {IDLE_SESSIONS} idle sessions")
        scenario_idle(gateway, nginx)
        stop(gateway)
        stop(fake)
        log("scenario: per-RPC authentication and capacity calendar (JMH)")
        scenario_jmh()
        log("scenario: session start with real Spark (warm pool vs cold)")
        scenario_session_start()
        stop(nginx)
    finally:
        for proc in list(started):
            stop(proc)
        redis("stop")
    facts["loadAverageAfter"] = list(os.getloadavg())
    facts["totalSeconds"] = round(time.monotonic() - total)
    write("machine", facts)
    report()
    log(f"done in {facts['totalSeconds']} s")


if __name__ == "__main__":
    main()

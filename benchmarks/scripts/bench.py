#!/usr/bin/env python3
"""Portcullis vs nginx: the measuring half of benchmarks/run.sh (Python 3 standard library only).

run.sh installs nginx, snapshots the jars, writes the PKI, then runs this with the environment
below. This starts the shared upstream (nginx, fixed 200 "ok\\n") and, for the WebSocket phase,
the shared echo upstream (benchmarks' EchoUpstream, its own JVM), then for every round starts
each proxy fresh (alternating order), runs the load driver against it and reads the proxy's
process tree in /proc around each measurement; with WS=1 each proxy is then started fresh once
more, pointed at the echo upstream (portcullis-ws.yaml, nginx-ws-proxy.conf), for the tunnel
measurements. Summaries go to OUT (rounds.json, metrics.csv,
the configs); raw data (the driver's JSON and output per window, the proxies' logs, per-round JSON
with every CPU sample) to OUT/raw/, which git ignores (benchmarks/results/.gitignore). report.py
turns rounds.json into RESULTS.md.

Environment (run.sh sets all of them; defaults in parentheses):
  BENCH_OUT BENCH_WORK BENCH_PKI BENCH_ROOT BENCH_DRIVER_JAR (required)
  BENCH_BASELINE_ROOT (a snapshot root like BENCH_ROOT holding an older Portcullis build: the
  proxy "baseline" in PROXIES, measured exactly as "portcullis", from its own config
  baseline.yaml, which differs only in the listening port BASELINE_PORT (24445))
  ROUNDS (3) DURATION (10) WARMUP (2) KA_WARMUP (8) KA_CONNS ("50 200") DRIVER_THREADS (1)
  HS_CONNS (32) HS_DURATION (10) HS_WARMUP (20) BASE_SETTLE (10) GROWTH_SETTLE (6) GROWTH_HANDSHAKES (20000) IDLE_CONNS (2000) IDLE_BASE_CONNS (10)
  RESUME (1) RESUME_DURATION (5) READY_PROBE (readyz | mtls) PROXIES ("portcullis nginx")
  NGINX_REUSEPORT (0; 1: one listening socket per nginx worker)
  NGINX_UPSTREAM_KEEPALIVE (128: the upstream block's keepalive, per worker)
  UPSTREAM_PORT (24080) PORTCULLIS_PORT (24443) NGINX_PORT (24444) ADMIN_PORT (24901): a busy
  port is replaced by the next free one above it, chosen once at the start
  BENCH_LOCK (phase | held | none) BENCH_LOCK_FILE (/tmp/portcullis-mvn.lock)
  BENCH_LOCK_WAIT_MAX (1200 s: then stop, keeping and reporting the phases already measured)
  DRIVER_JAVA_OPTS ("") BENCH_DRIVER_CMD (a stand-in driver command, for testing)
  AB (1: an ApacheBench `ab -k` run, HTTP/1.0 keep-alive, after the keep-alive windows; 0: none)
  AB_CONNS ("50") AB_DURATION (DURATION) AB_WARMUP (WARMUP: an untimed ab run first)
  AB_TIMEOUT (5: ab's -s, seconds to wait for each response; a proxy that never completes an
  HTTP/1.0 keep-alive response makes ab fail after it, recorded as such) AB_REQUESTS (5000000:
  ab's -n, a cap far above what -t reaches) AB_CMD (ab)
  WS (1: the WebSocket tunnel phase after each proxy's HTTP phase; 0: none) WS_ONLY (0; 1: only
  the tunnel phase) WS_UPSTREAM_PORT (24081: the echo upstream) WS_WARMUP (5: untimed seconds of
  each tunnel mode before its window) WS_DURATION (DURATION) WS_CONNS (8: tunnels of the
  throughput window) WS_MESSAGE_SIZE (64KiB: its messages) WS_RT_CONNS (50: tunnels of the 1 KiB
  round-trip window) WS_IDLE_CONNS (IDLE_CONNS) WS_IDLE_BASE_CONNS (IDLE_BASE_CONNS): idle tunnels
  held for the memory figure, against a base of a few NGINX_WS_BUFFER (64k: nginx-ws-proxy.conf's
  proxy_buffer_size, the buffer nginx relays each direction of a tunnel through, as large as
  Portcullis's largest read; nginx's default is one page, 4k)
  H2 (1: the HTTP/2 phase after each proxy's other phases; 0: none) H2_ONLY (0; 1: only it, or
  with WS_ONLY=1 the tunnels and it) H2_LOADS ("1x50 1x200 4x13 4x50": windows of N connections x M
  streams each, the driver's --connections and --streams) H2_WARMUP (20: untimed seconds of h2
  first, shared evenly by the H2_LOADS shapes in window order) H2_DURATION (DURATION) H2_MAX_STREAMS (100: both proxies'
  SETTINGS_MAX_CONCURRENT_STREAMS, Portcullis's http2.max_concurrent_streams and nginx's
  http2_max_concurrent_streams) H2_MAX_REQUESTS (100000000: streams per connection before the proxy's
  GOAWAY, Portcullis's limits.max_requests_per_connection and nginx's keepalive_requests)
  H2_IDLE_CONNS (IDLE_CONNS) H2_IDLE_BASE_CONNS (IDLE_BASE_CONNS): idle h2 connections held for
  the memory figure, each after one request
  H2LOAD (1: after the driver's windows, each proxy started once more with the client certificate
  optional, portcullis-h2load.yaml and nginx-h2load-proxy.conf, for nghttp2's h2load, which has no
  client-certificate option; 0: none) H2LOAD_LOADS ("1x50": its -c x -m) H2LOAD_CMD (h2load)
"""

import contextlib
import csv
import fcntl
import json
import math
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proctree  # noqa: E402

ENV = os.environ
OUT = ENV["BENCH_OUT"]
WORK = ENV["BENCH_WORK"]
PKI = ENV["BENCH_PKI"]
RAW = os.path.join(OUT, "raw")  # git-ignored: benchmarks/results/.gitignore
ROOT = ENV["BENCH_ROOT"]  # snapshot root: bin/portcullis + proxy-app/target/portcullis.jar
# Portcullis builds by proxy name, each measured the same way: the one under test and optionally
# an older build ("baseline", run.sh's BASELINE_ROOT) to compare it with directly
ROOTS = {"portcullis": ROOT}
if ENV.get("BENCH_BASELINE_ROOT"):
    ROOTS["baseline"] = ENV["BENCH_BASELINE_ROOT"]
DRIVER_JAR = ENV["BENCH_DRIVER_JAR"]
HERE = os.path.dirname(os.path.abspath(__file__))
NGINX_TEMPLATES = os.path.join(os.path.dirname(HERE), "nginx")


def env_int(name, default):
    return int(ENV.get(name, default))


def env_float(name, default):
    return float(ENV.get(name, default))


ROUNDS = env_int("ROUNDS", 3)
DURATION = env_float("DURATION", 10)
WARMUP = env_float("WARMUP", 2)
KA_WARMUP = env_float("KA_WARMUP", 8)
KA_CONNS = [int(c) for c in ENV.get("KA_CONNS", "50 200").split()]
DRIVER_THREADS = env_int("DRIVER_THREADS", 1)
HS_CONNS = env_int("HS_CONNS", 32)
HS_DURATION = env_float("HS_DURATION", 10)
HS_WARMUP = env_float("HS_WARMUP", 20)
BASE_SETTLE = env_float("BASE_SETTLE", 10)
GROWTH_SETTLE = env_float("GROWTH_SETTLE", 6)
GROWTH_HANDSHAKES = env_int("GROWTH_HANDSHAKES", 20000)
IDLE_CONNS = env_int("IDLE_CONNS", 2000)
IDLE_BASE_CONNS = env_int("IDLE_BASE_CONNS", 10)
RESUME = ENV.get("RESUME", "1") == "1"
RESUME_DURATION = env_float("RESUME_DURATION", 5)
READY_PROBE = ENV.get("READY_PROBE", "readyz")
NGINX_REUSEPORT = ENV.get("NGINX_REUSEPORT", "0") == "1"
# idle upstream connections each nginx worker keeps; 128 x 2 workers = Portcullis's default
# upstream.max_connections of 256 (with 64, nginx opens and closes upstream connections once more
# than 64 requests per worker are in flight, e.g. at 200 client connections)
NGINX_UPSTREAM_KEEPALIVE = env_int("NGINX_UPSTREAM_KEEPALIVE", 128)
PROXIES = ENV.get("PROXIES", "portcullis nginx").split()
for _p in PROXIES:
    if _p != "nginx" and _p not in ROOTS:
        raise SystemExit(f"PROXIES names {_p!r}, which has no build (BENCH_BASELINE_ROOT for baseline)"
                         if _p == "baseline" else f"unknown proxy {_p!r} in PROXIES")
UPSTREAM_PORT = env_int("UPSTREAM_PORT", 24080)
PORTS = {"portcullis": env_int("PORTCULLIS_PORT", 24443), "nginx": env_int("NGINX_PORT", 24444)}
if "baseline" in PROXIES:
    PORTS["baseline"] = env_int("BASELINE_PORT", 24445)
ADMIN_PORT = env_int("ADMIN_PORT", 24901)
LOCK_MODE = ENV.get("BENCH_LOCK", "phase")
LOCK_FILE = ENV.get("BENCH_LOCK_FILE", "/tmp/portcullis-mvn.lock")
LOCK_WAIT_MAX = env_float("BENCH_LOCK_WAIT_MAX", 1200)  # give up (keeping what was measured)
DRIVER_JAVA_OPTS = ENV.get("DRIVER_JAVA_OPTS", "").split()
# BENCH_DRIVER_CMD replaces the whole driver command before its options (for testing the scripts
# with a stand-in driver).
DRIVER_CMD = ENV.get("BENCH_DRIVER_CMD", "").split() or [
    "java", *DRIVER_JAVA_OPTS, "-cp", DRIVER_JAR, "dev.portcullis.bench.load.LoadDriver"]

AB = ENV.get("AB", "1") == "1"
AB_CONNS = [int(c) for c in ENV.get("AB_CONNS", "50").split()]
AB_DURATION = env_float("AB_DURATION", DURATION)
AB_WARMUP = env_float("AB_WARMUP", WARMUP)
AB_TIMEOUT = env_int("AB_TIMEOUT", 5)
AB_REQUESTS = env_int("AB_REQUESTS", 5000000)
AB_CMD = ENV.get("AB_CMD", "ab").split()

WS = ENV.get("WS", "1") == "1"
WS_ONLY = ENV.get("WS_ONLY", "0") == "1"
if WS_ONLY and not WS:
    raise SystemExit("WS_ONLY=1 with WS=0 measures nothing")
WS_UPSTREAM_PORT = env_int("WS_UPSTREAM_PORT", 24081)
WS_WARMUP = env_float("WS_WARMUP", 5)
WS_DURATION = env_float("WS_DURATION", DURATION)
WS_CONNS = env_int("WS_CONNS", 8)
WS_MESSAGE_SIZE = ENV.get("WS_MESSAGE_SIZE", "64KiB")
WS_RT_CONNS = env_int("WS_RT_CONNS", 50)
WS_IDLE_CONNS = env_int("WS_IDLE_CONNS", IDLE_CONNS)
WS_IDLE_BASE_CONNS = env_int("WS_IDLE_BASE_CONNS", IDLE_BASE_CONNS)
NGINX_WS_BUFFER = ENV.get("NGINX_WS_BUFFER", "64k")  # nginx-ws-proxy.conf's proxy_buffer_size
H2 = ENV.get("H2", "1") == "1"
H2_ONLY = ENV.get("H2_ONLY", "0") == "1"
if H2_ONLY and not H2:
    raise SystemExit("H2_ONLY=1 with H2=0 measures nothing")
H2_LOADS = []
for _load in ENV.get("H2_LOADS", "1x50 1x200 4x13 4x50").split():
    _got = re.fullmatch(r"(\d+)x(\d+)", _load)
    if not _got or min(int(_got.group(1)), int(_got.group(2))) < 1:
        raise SystemExit(f"H2_LOADS: {_load!r} is not CONNECTIONSxSTREAMS, e.g. 4x50")
    H2_LOADS.append((int(_got.group(1)), int(_got.group(2))))
if H2 and not H2_LOADS:
    raise SystemExit("H2_LOADS is empty")
H2_WARMUP = env_float("H2_WARMUP", 20)
H2_DURATION = env_float("H2_DURATION", DURATION)
H2_MAX_STREAMS = env_int("H2_MAX_STREAMS", 100)
H2_MAX_REQUESTS = env_int("H2_MAX_REQUESTS", 100000000)
H2_IDLE_CONNS = env_int("H2_IDLE_CONNS", IDLE_CONNS)
H2_IDLE_BASE_CONNS = env_int("H2_IDLE_BASE_CONNS", IDLE_BASE_CONNS)
H2LOAD = ENV.get("H2LOAD", "1") == "1"
H2LOAD_LOADS = []
for _load in ENV.get("H2LOAD_LOADS", "1x50").split():
    _got = re.fullmatch(r"(\d+)x(\d+)", _load)
    if not _got or min(int(_got.group(1)), int(_got.group(2))) < 1:
        raise SystemExit(f"H2LOAD_LOADS: {_load!r} is not CONNECTIONSxSTREAMS, e.g. 1x50")
    H2LOAD_LOADS.append((int(_got.group(1)), int(_got.group(2))))
H2LOAD_CMD = ENV.get("H2LOAD_CMD", "h2load").split()
# WS_ONLY and H2_ONLY pick the phases they name; neither: every phase that is on
ONLY = {name for name, only in (("ws", WS_ONLY), ("h2", H2_ONLY)) if only}
RUN_HTTP = not ONLY
RUN_WS = WS and (not ONLY or "ws" in ONLY)
RUN_H2 = H2 and (not ONLY or "h2" in ONLY)
RUN_H2LOAD = RUN_H2 and H2LOAD and bool(H2LOAD_LOADS)
WS_IDLE_TIMEOUT = "30s"  # the driver's deadline per idle tunnel: connect, handshakes, upgrade, round trip
WS_PATH = "/ws"  # EchoUpstream.PATH
ECHO_CMD = ["java", "-cp", DRIVER_JAR, "dev.portcullis.bench.echo.EchoUpstream"]
IDLE_MODES = ("idle", "ws-idle", "h2-idle")
IDLE_TIMEOUT = WS_IDLE_TIMEOUT  # idle h2 connections too: 2000 opened at once finish together

SAMPLE_INTERVAL = 0.1
# Trimmed off each end of the driver's measurement window before reading the CPU rate, so that
# the rate covers only steady load even though the window's edges are known only from outside
# (the driver's exit time and --duration).
WINDOW_MARGIN = 0.5

T0 = time.monotonic()
CHILDREN = {}  # pid -> Popen, everything we started and must stop


def log(msg):
    print(f"[bench {time.monotonic() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# processes

def spawn(cmd, logfile, **kw):
    out = open(logfile, "ab")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, **kw)
    out.close()
    CHILDREN[proc.pid] = proc
    with open(os.path.join(WORK, "pids"), "a") as f:
        f.write(f"{proc.pid}\n")
    return proc


def stop(proc, timeout=20):
    if proc is None or proc.poll() is not None:
        CHILDREN.pop(getattr(proc, "pid", None), None)
        return
    pids = proctree.tree(proc.pid)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        log(f"pid {proc.pid} did not stop within {timeout}s after SIGTERM; killing it")
        proc.kill()
        proc.wait()
    for pid in pids:  # nginx workers exit with their master; make sure
        if pid != proc.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    CHILDREN.pop(proc.pid, None)


def stop_all():
    for proc in list(CHILDREN.values()):
        with contextlib.suppress(Exception):
            stop(proc, timeout=10)


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def pick_ports():
    global UPSTREAM_PORT, ADMIN_PORT, WS_UPSTREAM_PORT
    taken = set()

    def free_from(port):
        for candidate in range(port, port + 100):
            if candidate not in taken and port_free(candidate):
                taken.add(candidate)
                if candidate != port:
                    log(f"port {port} is busy; using {candidate}")
                return candidate
        raise SystemExit(f"no free port in {port}..{port + 99}")

    UPSTREAM_PORT = free_from(UPSTREAM_PORT)
    if RUN_WS:
        WS_UPSTREAM_PORT = free_from(WS_UPSTREAM_PORT)
    PORTS["portcullis"] = free_from(PORTS["portcullis"])
    PORTS["nginx"] = free_from(PORTS["nginx"])
    if "baseline" in PORTS:
        PORTS["baseline"] = free_from(PORTS["baseline"])
    ADMIN_PORT = free_from(ADMIN_PORT)


def render(template, dest, values):
    with open(os.path.join(NGINX_TEMPLATES, template)) as f:
        text = f.read()
    for key, value in values.items():
        text = text.replace(f"@{key}@", str(value))
    if "@" in re.sub(r"#.*", "", text):
        raise SystemExit(f"unfilled placeholder in {template}")
    with open(dest, "w") as f:
        f.write(text)
    return dest


# ---------------------------------------------------------------------------------------------
# probes

def mtls_get(port, timeout=2.0):
    ctx = ssl.create_default_context(cafile=os.path.join(PKI, "ca.crt"))
    ctx.load_cert_chain(os.path.join(PKI, "client.crt"), os.path.join(PKI, "client.key"))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 0


def http_get_status(port, path, timeout=1.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = s.recv(4096)
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else 0


def upstream_counters():
    """The upstream nginx's stub_status: (connections accepted, requests served), each counting
    this probe's own; None when it cannot be read."""
    try:
        with socket.create_connection(("127.0.0.1", UPSTREAM_PORT), timeout=1.0) as s:
            s.sendall(b"GET /nginx_status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    got = re.search(rb"server accepts handled requests\s+(\d+)\s+(\d+)\s+(\d+)", data)
    return (int(got.group(1)), int(got.group(3))) if got else None


def wait_ready(proc, probe, deadline_s=60):
    """Polls until probe() returns 200; returns seconds since the process was started."""
    start = proc.bench_started
    while time.monotonic() - start < deadline_s:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before it was ready")
        try:
            if probe() == 200:
                return time.monotonic() - start
        except (OSError, ssl.SSLError, ValueError, IndexError):
            pass
        time.sleep(0.005)
    raise RuntimeError(f"not ready within {deadline_s}s")


# ---------------------------------------------------------------------------------------------
# sampling

class Sampler(threading.Thread):
    """Samples CPU ticks of the proxy tree, the upstream tree, the driver and the whole system."""

    def __init__(self, proxy_pids, upstream_pids):
        super().__init__(daemon=True)
        self.proxy_pids = proxy_pids
        self.upstream_pids = upstream_pids
        self.driver_pid = None
        self.samples = []
        self.groups = []  # per sample: proxy CPU ticks by thread name (JVM) or role (nginx)
        self._halt = threading.Event()

    def sample(self):
        driver = proctree.cpu_ticks([self.driver_pid]) if self.driver_pid else 0
        self.samples.append((time.monotonic(), proctree.cpu_ticks(self.proxy_pids),
                             proctree.cpu_ticks(self.upstream_pids), driver,
                             proctree.system_busy_ticks()))
        self.groups.append(proctree.cpu_groups(self.proxy_pids))

    def run(self):
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(SAMPLE_INTERVAL)

    def finish(self):
        self._halt.set()
        self.join()
        self.sample()
        return self.samples


def at(samples, t, column):
    """Linear interpolation of a sampled counter at time t."""
    for (t0, *v0), (t1, *v1) in zip(samples, samples[1:]):
        if t0 <= t <= t1:
            f = 0 if t1 == t0 else (t - t0) / (t1 - t0)
            return v0[column] + f * (v1[column] - v0[column])
    raise ValueError(f"t={t} outside the sampled range")


def group_rates(samples, groups, a, b):
    """Proxy CPU by thread group over [a, b], in cores, from the samples nearest to a and b."""
    times = [s[0] for s in samples]
    ia = min(range(len(times)), key=lambda i: abs(times[i] - a))
    ib = min(range(len(times)), key=lambda i: abs(times[i] - b))
    span = times[ib] - times[ia]
    if span <= 0:
        return {}
    return {k: (groups[ib].get(k, 0) - groups[ia].get(k, 0)) / proctree.CLK_TCK / span
            for k in groups[ib]}


def window_rates(samples, a, b):
    """CPU used in [a, b] per second of wall time, in CPU-seconds per second, per series."""
    names = ["proxy", "upstream", "driver", "system"]
    return {n: (at(samples, b, i) - at(samples, a, i)) / proctree.CLK_TCK / (b - a)
            for i, n in enumerate(names)}


# ---------------------------------------------------------------------------------------------
# load driver

DRIVER_COUNT = [0]


def dur(seconds):
    """The driver's duration syntax: whole milliseconds, or 0."""
    ms = int(round(seconds * 1000))
    return f"{ms}ms" if ms > 0 else "0"


def driver(proxy, mode, connections, duration, warmup, tag, proxy_pids, upstream_pids,
           protocol=None, on_ready=None, path="/", extra=()):
    """Runs the load driver once; returns its JSON, CPU rates over the steady part of its window
    and the raw samples. on_ready(proc) is called after an idle-mode driver (idle, ws-idle) prints
    READY (it may stop the driver). path: the URL's; extra: more driver options."""
    DRIVER_COUNT[0] += 1
    name = f"{tag}-{mode}-c{connections}-{DRIVER_COUNT[0]:03d}"
    json_path = os.path.join(RAW, "driver", f"{name}.json")
    cmd = [*DRIVER_CMD, "--url", f"https://127.0.0.1:{PORTS[proxy]}{path}",
           "--cert", os.path.join(PKI, "client.crt"), "--key", os.path.join(PKI, "client.key"),
           "--cacert", os.path.join(PKI, "ca.crt"),
           "--mode", mode, "--connections", str(connections),
           "--duration", dur(duration), "--warmup", dur(warmup),
           "--threads", str(DRIVER_THREADS), "--json", json_path]
    if protocol:
        cmd += ["--protocol", protocol]
    cmd += list(extra)
    sampler, proc, started = start_sampled(cmd, proxy_pids, upstream_pids)
    output, ready = [], None
    limit = duration + warmup + 60 + (connections / 100 if mode in IDLE_MODES else 0)
    watchdog = threading.Timer(limit, lambda: (log(f"driver {name} still running after "
                                                    f"{limit:.0f}s; killing it"), proc.kill()))
    watchdog.start()
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            output.append(line)
            if ready is None and line.startswith("READY"):
                ready = time.monotonic()
                if on_ready:
                    on_ready(proc, line)
        proc.wait()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        CHILDREN.pop(proc.pid, None)
    exited = time.monotonic()
    samples = sampler.finish()
    with open(os.path.join(RAW, "driver", f"{name}.log"), "w") as f:
        f.write("$ " + " ".join(cmd) + "\n" + "\n".join(output) + "\n")
    result = {"name": name, "cmd": cmd, "rc": proc.returncode, "wall_s": exited - started,
              "ready_s": None if ready is None else ready - started, "samples": samples,
              "sample_groups": sampler.groups}
    if os.path.exists(json_path):
        with open(json_path) as f:
            result["json"] = json.load(f)
    elif mode not in IDLE_MODES:
        raise RuntimeError(f"driver {name} wrote no JSON (rc {proc.returncode}): "
                           + " | ".join(output[-5:]))
    if mode not in IDLE_MODES and duration > 2 * WINDOW_MARGIN + 0.5:
        a, b = exited - duration + WINDOW_MARGIN, exited - WINDOW_MARGIN
        result["window"] = [a - started, b - started]
        result["rates"] = window_rates(samples, a, b)
        result["group_rates"] = group_rates(samples, sampler.groups, a, b)
    return result


def live_heap_bytes(pid):
    """Live Java heap of a JVM: jcmd's class histogram runs a full GC and prints the total."""
    try:
        out = subprocess.run(["jcmd", str(pid), "GC.class_histogram"], capture_output=True,
                             text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    got = re.search(r"^Total\s+\d+\s+(\d+)", out, re.M)
    return int(got.group(1)) if got else None


# ---------------------------------------------------------------------------------------------
# ApacheBench: an HTTP/1.0 client with `Connection: Keep-Alive` (-k)

def ab_pem():
    """ab's -E takes the client certificate (chain) and its private key in one PEM file."""
    path = os.path.join(WORK, "ab-client.pem")
    if not os.path.exists(path):
        with open(path, "w") as dst:
            for name in ("client.crt", "client.key"):
                with open(os.path.join(PKI, name)) as src:
                    dst.write(src.read().rstrip("\n") + "\n")
    return path


def parse_ab(text):
    """The figures of ab's report; absent ones are left out."""
    found = {}
    patterns = {
        "complete": r"^Complete requests:\s+(\d+)", "failed": r"^Failed requests:\s+(\d+)",
        "non2xx": r"^Non-2xx responses:\s+(\d+)", "keepalive": r"^Keep-Alive requests:\s+(\d+)",
        "rps": r"^Requests per second:\s+([\d.]+)", "mean_ms": r"^Time per request:\s+([\d.]+) \[ms\] \(mean\)$",
        "time_s": r"^Time taken for tests:\s+([\d.]+)", "p50_ms": r"^\s+50%\s+(\d+)",
        "p99_ms": r"^\s+99%\s+(\d+)", "total_completed": r"^Total of (\d+) requests completed",
    }
    for key, pattern in patterns.items():
        got = re.search(pattern, text, re.M)
        if got:
            found[key] = float(got.group(1)) if "." in got.group(1) else int(got.group(1))
    got = re.search(r"^SSL/TLS Protocol:\s+(\S+)", text, re.M)
    if got:
        found["tls"] = got.group(1)
    return found


def ab_failure(rc, killed, parsed, output, timeout):
    """None when the run is usable, else why not (the text the results table shows)."""
    text = "\n".join(output)
    # ab's own error (e.g. "apr_pollset_poll: The timeout specified has expired (70007)", exit
    # 70007 & 0xff = 119) may follow "Benchmarking ... (be patient)..." on the same line
    got = re.search(r"((?:apr_|SSL|ssl)\S*:? .*)$", text, re.M)
    last = got.group(1).strip() if got else next(
        (line.strip() for line in reversed(output) if line.strip()), "")
    done = parsed.get("total_completed", parsed.get("complete", 0))
    if killed:
        return f"ab -k: timed out (killed after {killed:.0f} s; {done} requests completed)"
    if rc != 0:
        timed_out = "70007" in text or "timeout" in last.lower() or "timed out" in last.lower()
        return (f"ab -k: {'timed out' if timed_out else 'failed'} (exit {rc}: {last[:120]}; "
                f"{done} requests completed; -s {timeout})")
    if not parsed.get("complete") or not parsed.get("rps"):
        return "ab -k: failed (no requests completed)"
    if parsed.get("failed") or parsed.get("non2xx"):
        return (f"ab -k: failed ({parsed.get('failed', 0)} failed, {parsed.get('non2xx', 0)} "
                f"non-2xx of {parsed['complete']})")
    if parsed.get("keepalive", 0) < 0.99 * parsed["complete"]:
        return (f"ab -k: no keep-alive ({parsed.get('keepalive', 0)} of {parsed['complete']} "
                "requests on kept-alive connections)")
    return None


def start_sampled(cmd, proxy_pids, upstream_pids):
    """Starts the CPU sampler, then cmd (a load generator) in its own session, output piped;
    returns (sampler, process, start time)."""
    sampler = Sampler(proxy_pids, upstream_pids)
    sampler.sample()
    sampler.start()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    CHILDREN[proc.pid] = proc
    sampler.driver_pid = proc.pid
    return sampler, proc, started


def ab_run(proxy, connections, duration, tag, proxy_pids, upstream_pids):
    """One `ab -k` run for duration seconds; the proxy's CPU over the steady part of its window,
    as driver() does. Never raises for ab's own failure: result["failure"] says what went wrong."""
    DRIVER_COUNT[0] += 1
    name = f"{tag}-ab-k-c{connections}-{DRIVER_COUNT[0]:03d}"
    cmd = [*AB_CMD, "-k", "-q", "-c", str(connections), "-t", str(max(1, round(duration))),
           "-n", str(AB_REQUESTS), "-s", str(AB_TIMEOUT), "-E", ab_pem(),
           f"https://127.0.0.1:{PORTS[proxy]}/"]
    sampler, proc, started = start_sampled(cmd, proxy_pids, upstream_pids)
    limit = duration + AB_TIMEOUT + 30
    killed = None
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        log(f"ab {name} still running after {limit:.0f}s; killing it")
        proc.kill()
        out, _ = proc.communicate()
        killed = limit
    finally:
        CHILDREN.pop(proc.pid, None)
    exited = time.monotonic()
    samples = sampler.finish()
    output = out.decode("utf-8", "replace").splitlines()
    with open(os.path.join(RAW, "driver", f"{name}.log"), "w") as f:
        f.write("$ " + " ".join(cmd) + f"\n(exit {proc.returncode})\n" + "\n".join(output) + "\n")
    parsed = parse_ab("\n".join(output))
    result = {"name": name, "cmd": cmd, "rc": proc.returncode, "wall_s": exited - started,
              "ab": parsed, "samples": samples, "sample_groups": sampler.groups,
              "failure": ab_failure(proc.returncode, killed, parsed, output, AB_TIMEOUT)}
    result["json"] = {"rps": parsed.get("rps", 0)}
    if result["failure"] is None and duration > 2 * WINDOW_MARGIN + 0.5:
        # ab stops at -t, then prints its report (a sort of the per-request times: well inside
        # the margin at these request counts)
        window = parsed.get("time_s", duration)
        a, b = exited - window + WINDOW_MARGIN, exited - WINDOW_MARGIN
        result["window"] = [a - started, b - started]
        result["rates"] = window_rates(samples, a, b)
        result["group_rates"] = group_rates(samples, sampler.groups, a, b)
    return result


# ---------------------------------------------------------------------------------------------
# h2load (nghttp2): an HTTP/2 client nobody here wrote, without a client certificate

H2LOAD_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_h2load(text):
    """The figures of h2load's report; absent ones are left out. Times in ms."""
    found = {}
    got = re.search(r"^finished in ([\d.]+)s, ([\d.]+) req/s", text, re.M)
    if got:
        found["finished_s"], found["rps"] = float(got.group(1)), float(got.group(2))
    got = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                    r"(\d+) errored, (\d+) timeout", text, re.M)
    if got:
        for i, k in enumerate(("total", "started", "done", "succeeded", "failed", "errored", "timeout")):
            found[k] = int(got.group(i + 1))
    got = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text, re.M)
    if got:
        found["non2xx"] = sum(int(got.group(i)) for i in (2, 3, 4))
    got = re.search(r"^time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)"
                    r"\s+([\d.]+)(us|ms|s)", text, re.M)
    if got:
        vals = [float(got.group(i)) * H2LOAD_UNITS[got.group(i + 1)] for i in (1, 3, 5, 7)]
        found["min_ms"], found["max_ms"], found["mean_ms"], found["sd_ms"] = vals
    for key, pattern in (("tls", r"^TLS Protocol: (\S+)"), ("alpn", r"^Application protocol: (\S+)")):
        got = re.search(pattern, text, re.M)
        if got:
            found[key] = got.group(1)
    return found


def h2load_run(proxy, conns, streams, duration, warmup, tag, proxy_pids, upstream_pids):
    """One h2load run (-c conns -m streams, --warm-up-time, then -D duration); the proxy's CPU over
    the steady part of its main duration, as driver() does. Never raises for h2load's own failure:
    result["failure"] says what went wrong."""
    DRIVER_COUNT[0] += 1
    name = f"{tag}-h2load-{conns}x{streams}-{DRIVER_COUNT[0]:03d}"
    cmd = [*H2LOAD_CMD, "-c", str(conns), "-m", str(streams), "-t", "1",
           "-D", str(max(1, round(duration))), "--warm-up-time", str(max(0, round(warmup))),
           f"https://127.0.0.1:{PORTS[proxy]}/"]
    sampler, proc, started = start_sampled(cmd, proxy_pids, upstream_pids)
    limit = duration + warmup + 30
    killed = None
    try:
        out, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        log(f"h2load {name} still running after {limit:.0f}s; killing it")
        proc.kill()
        out, _ = proc.communicate()
        killed = limit
    finally:
        CHILDREN.pop(proc.pid, None)
    exited = time.monotonic()
    samples = sampler.finish()
    output = out.decode("utf-8", "replace")
    with open(os.path.join(RAW, "driver", f"{name}.log"), "w") as f:
        f.write("$ " + " ".join(cmd) + f"\n(exit {proc.returncode})\n" + output + "\n")
    parsed = parse_h2load(output)
    failure = None
    if killed:
        failure = f"h2load: timed out (killed after {killed:.0f} s)"
    elif proc.returncode != 0 or not parsed.get("rps"):
        last = next((x for x in reversed(output.splitlines()) if x.strip()), "")
        failure = f"h2load: failed (exit {proc.returncode}: {last[:120]})"
    elif parsed.get("alpn") != "h2":
        failure = f"h2load: the proxy chose {parsed.get('alpn', 'no protocol')}, not h2"
    elif parsed.get("failed") or parsed.get("errored") or parsed.get("timeout") or parsed.get("non2xx"):
        failure = (f"h2load: failed ({parsed.get('failed', 0)} failed, {parsed.get('errored', 0)} errored, "
                   f"{parsed.get('timeout', 0)} timed out, {parsed.get('non2xx', 0)} non-2xx of "
                   f"{parsed.get('total', 0)})")
    result = {"name": name, "cmd": cmd, "rc": proc.returncode, "wall_s": exited - started,
              "h2load": parsed, "samples": samples, "sample_groups": sampler.groups, "failure": failure,
              "json": {"rps": parsed.get("rps", 0)}}
    if failure is None and duration > 2 * WINDOW_MARGIN + 0.5:
        # h2load stops its clients at the end of -D and prints at once
        a, b = exited - duration + WINDOW_MARGIN, exited - WINDOW_MARGIN
        result["window"] = [a - started, b - started]
        result["rates"] = window_rates(samples, a, b)
        result["group_rates"] = group_rates(samples, sampler.groups, a, b)
    return result


def h2load_step(rnd, proxy, upstream, m, raw):
    """h2load against the proxy started fresh with the client certificate optional (h2load cannot
    present one): portcullis-h2load.yaml, nginx-h2load-proxy.conf. One run per H2LOAD_LOADS entry,
    the first after H2_WARMUP s of h2load's own warm-up (the JVM is fresh), the rest after WARMUP.
    A failure is recorded (h2load_<load>_error) and the phase goes on."""
    tag = f"r{rnd}-{proxy}-h2load"
    ups = proctree.tree(upstream.pid)
    proc, m["h2load_startup_s"] = start_proxy(proxy, tag, variant="h2load")
    log(f"{tag}: ready after {m['h2load_startup_s'] * 1000:.0f} ms (pid {proc.pid})")
    try:
        pids = proctree.tree(proc.pid)
        time.sleep(2)
        for i, (conns, streams) in enumerate(H2LOAD_LOADS):
            k = f"h2load_{conns}x{streams}"
            try:
                run = h2load_run(proxy, conns, streams, H2_DURATION, H2_WARMUP if i == 0 else WARMUP,
                                 tag, pids, ups)
            except Exception as e:  # h2load missing, or anything else: recorded, not fatal
                m[f"{k}_error"] = f"h2load: failed ({e})"
                log(f"{tag}: {m[f'{k}_error']}")
                continue
            raw["runs"].append(run)
            if run["failure"]:
                m[f"{k}_error"] = run["failure"]
                log(f"{tag}: {run['failure']}")
                continue
            r = run["h2load"]
            m[f"{k}_rps"] = r["rps"]
            m[f"{k}_mean_ms"] = r.get("mean_ms")
            m[f"{k}_sd_ms"] = r.get("sd_ms")
            m[f"{k}_max_ms"] = r.get("max_ms")
            m[f"{k}_tls"] = r.get("tls")
            if "rates" in run:
                m[f"{k}_cpu_us_per_req"] = per_op_us(run)
                m[f"{k}_cpu_by_thread"] = per_op_groups_us(run)
                m[f"{k}_other_cores"] = (run["rates"]["system"] - run["rates"]["proxy"]
                                         - run["rates"]["upstream"] - run["rates"]["driver"])
                m[f"{k}_driver_cores"] = run["rates"]["driver"]
            log(f"{tag}: h2load {conns}x{streams}: {r['rps']:.0f} req/s, mean {r.get('mean_ms', 0):.2f} ms, "
                f"{m.get(f'{k}_cpu_us_per_req') or 0:.1f} us CPU/req, {r.get('tls')} {r.get('alpn')}")
    finally:
        stop(proc)


def per_op_us(run):
    """Proxy CPU microseconds per completed request (or handshake) over the steady window."""
    rps = run["json"]["rps"]
    return run["rates"]["proxy"] / rps * 1e6 if rps > 0 else None


def per_op_groups_us(run, rate=None, scale=1e6):
    """per_op_us split by thread group (JVM) or role (nginx); groups under 1% left out. rate: the
    operations per second to divide by (the driver's rps by default); scale: the unit (µs)."""
    rps = run["json"]["rps"] if rate is None else rate
    if rps <= 0:
        return {}
    total = sum(run["group_rates"].values()) or 1
    return {k: v / rps * scale for k, v in sorted(run["group_rates"].items(), key=lambda kv: -kv[1])
            if v / total >= 0.01}


# ---------------------------------------------------------------------------------------------
# proxies

def start_proxy(proxy, tag, variant=""):
    """Starts proxy with its HTTP-phase config, or with variant "ws" its tunnel-phase one (the
    same but for the upstream: the echo), or with "h2" its HTTP/2-phase one; returns the process
    and its start-up time."""
    logfile = os.path.join(RAW, "logs", f"{tag}.log")
    suffix = f"-{variant}" if variant else ""
    if proxy in ROOTS:
        conf = os.path.join(WORK, f"{proxy}{suffix}.yaml")
        cmd = [os.path.join(ROOTS[proxy], "bin", "portcullis"), "--config", conf]
        probe_port = PORTS[proxy]
        probe = (lambda: http_get_status(ADMIN_PORT, "/readyz")) if READY_PROBE == "readyz" \
            else (lambda: mtls_get(probe_port))
    else:
        conf = os.path.join(WORK, f"nginx{suffix}-proxy.conf")
        cmd = ["nginx", "-p", WORK, "-c", conf, "-e", os.path.join(WORK, f"nginx{suffix}-proxy-error.log")]
        probe = lambda: mtls_get(PORTS["nginx"])  # noqa: E731
    for port in [PORTS[proxy]] + ([ADMIN_PORT] if proxy in ROOTS else []):
        if not port_free(port):
            raise RuntimeError(f"port {port} was taken by another program during the run")
    started = time.monotonic()
    proc = spawn(cmd, logfile)
    proc.bench_started = started
    startup = wait_ready(proc, probe)
    if READY_PROBE == "readyz" and proxy in ROOTS:
        assert mtls_get(PORTS[proxy]) == 200
    return proc, startup


def hold_idle(proc, proxy, tag, go, mode, base_n, n_max):
    """Memory per idle connection (mode idle) or tunnel (ws-idle): the driver holds base_n, then
    n_max; the proxy's tree is snapshotted 1.5 s and 2.5 s after each READY, while the driver still
    holds them (so pages shared with the driver JVM count the same way in both). Returns the
    snapshots by count and, for a Portcullis JVM, the live Java heap per connection in KiB (else
    None)."""
    snaps = {}

    def hold(n):
        def on_ready(dproc, line):
            time.sleep(1.5)
            first = proctree.snapshot(proc.pid)
            time.sleep(1.0)
            second = proctree.snapshot(proc.pid)
            snaps[n] = {"line": line, "first": first, "second": second}
            if n == n_max and proxy in ROOTS:
                snaps[n]["live_heap"] = live_heap_bytes(proc.pid)
            dproc.terminate()
        return on_ready

    for n in (base_n, n_max):
        run = go(mode, n, 120, 0, on_ready=hold(n))
        if n not in snaps:
            raise RuntimeError(f"{mode} driver with {n} connections never printed READY")
        got = re.search(r"READY (\d+)", snaps[n]["line"])
        snaps[n]["connections"] = int(got.group(1)) if got else n
        log(f"{tag}: {snaps[n]['line']}: RSS {snaps[n]['second']['rss_kib']} KiB "
            f"(ready after {run['ready_s']:.1f}s)")
    if snaps[n_max]["connections"] <= snaps[base_n]["connections"]:
        raise RuntimeError(f"{mode}: the driver held {snaps[n_max]['connections']} of {n_max} connections, "
                           f"no more than the base's {snaps[base_n]['connections']} (its log says why)")
    live_heap_per_conn = None
    if snaps[n_max].get("live_heap"):
        # After the RSS figures: a full GC (class histogram) with the connections open, and
        # again once they are closed, for the Java heap each connection keeps alive: heap
        # pages already resident from the load before do not show up in RSS differences.
        # Two full GCs after the close: Netty's OpenSslEngine is freed through finalization,
        # so closed connections' engines are still reachable after the first.
        time.sleep(1.5)
        live_heap_bytes(proc.pid)
        time.sleep(0.5)
        closed = live_heap_bytes(proc.pid)
        if closed:
            live_heap_per_conn = (snaps[n_max]["live_heap"] - closed) / snaps[n_max]["connections"] / 1024
            snaps["live_heap_after_close"] = closed
    return snaps, live_heap_per_conn


def phase(rnd, proxy, upstream):
    tag = f"r{rnd}-{proxy}"
    m = {"round": rnd, "proxy": proxy, "errors": {}}
    raw = {"runs": []}
    ups = proctree.tree(upstream.pid)
    proc, m["startup_s"] = start_proxy(proxy, tag)
    log(f"{tag}: ready after {m['startup_s'] * 1000:.0f} ms (pid {proc.pid})")
    try:
        pids = proctree.tree(proc.pid)
        m["processes"] = len(pids)
        if proxy in ROOTS:
            m["io_threads"] = len([t for t in os.listdir(f"/proc/{proc.pid}/task")
                                   if open(f"/proc/{proc.pid}/task/{t}/comm").read()
                                   .startswith("portcullis-io")])
        else:
            m["workers"] = len(pids) - 1
        # Base memory twice: 2 s after the first request, while the JVM may still hold the
        # arenas its JIT compiled start-up code in (HotSpot frees cached arena chunks every 5 s),
        # and settled, BASE_SETTLE s after it: the idle footprint a sidecar lives at.
        time.sleep(2)
        early = proctree.snapshot(proc.pid)
        m["base_rss_2s_kib"] = early["rss_kib"]
        time.sleep(max(0.0, BASE_SETTLE - 2))
        base = proctree.snapshot(proc.pid)
        m["base_rss_kib"], m["base_pss_kib"] = base["rss_kib"], base["pss_kib"]

        def go(mode, conns, duration, warmup, protocol=None, on_ready=None):
            run = driver(proxy, mode, conns, duration, warmup, tag, pids, ups, protocol, on_ready)
            raw["runs"].append(run)
            if "json" in run and run["json"].get("errors"):
                m["errors"][run["name"]] = run["json"]["errors"]
            return run

        # Each mode's windows follow an untimed warm-up in that mode (JIT, pools): keep-alive
        # first, then full handshakes.
        go("keepalive", max(KA_CONNS), KA_WARMUP, 0)
        for c in KA_CONNS:
            run = go("keepalive", c, DURATION, WARMUP)
            j = run["json"]
            m[f"ka{c}_rps"] = j["rps"]
            m[f"ka{c}_p50_ms"] = j["p50_ms"]
            m[f"ka{c}_p99_ms"] = j["p99_ms"]
            m[f"ka{c}_cpu_us_per_req"] = per_op_us(run)
            m[f"ka{c}_cpu_by_thread"] = per_op_groups_us(run)
            m[f"ka{c}_system_busy_cores"] = run["rates"]["system"]
            m[f"ka{c}_other_cores"] = (run["rates"]["system"] - run["rates"]["proxy"]
                                       - run["rates"]["upstream"] - run["rates"]["driver"])
            log(f"{tag}: keepalive c={c}: {j['rps']:.0f} req/s p50 {j['p50_ms']:.2f} ms "
                f"p99 {j['p99_ms']:.2f} ms, {m[f'ka{c}_cpu_us_per_req']:.1f} us CPU/req")

        # HTTP/1.0 keep-alive (`Connection: Keep-Alive`) from ApacheBench, after the keep-alive
        # windows; a failure (e.g. a proxy that never completes a keep-alive response, so ab
        # waits out -s) is recorded and the phase goes on
        if AB:
            for c in AB_CONNS:
                try:
                    failure = None
                    if AB_WARMUP > 0:
                        warm = ab_run(proxy, c, AB_WARMUP, tag + "-warmup", pids, ups)
                        raw["runs"].append(warm)
                        failure = warm["failure"] and warm["failure"] + " (in the warm-up run)"
                    if failure is None:
                        run = ab_run(proxy, c, AB_DURATION, tag, pids, ups)
                        raw["runs"].append(run)
                        failure = run["failure"]
                except Exception as e:  # ab missing, or anything else: recorded, not fatal
                    failure = f"ab -k: failed ({e})"
                if failure:
                    m[f"ab{c}_error"] = failure
                    log(f"{tag}: {failure}")
                    continue
                r = run["ab"]
                m[f"ab{c}_rps"] = r["rps"]
                m[f"ab{c}_mean_ms"] = r["mean_ms"]
                m[f"ab{c}_p50_ms"] = r.get("p50_ms")
                m[f"ab{c}_p99_ms"] = r.get("p99_ms")
                m[f"ab{c}_keepalive_fraction"] = r.get("keepalive", 0) / r["complete"]
                m[f"ab{c}_tls"] = r.get("tls")
                if "rates" in run:
                    m[f"ab{c}_cpu_us_per_req"] = per_op_us(run)
                    m[f"ab{c}_cpu_by_thread"] = per_op_groups_us(run)
                    m[f"ab{c}_other_cores"] = (run["rates"]["system"] - run["rates"]["proxy"]
                                               - run["rates"]["upstream"] - run["rates"]["driver"])
                log(f"{tag}: ab -k c={c}: {r['rps']:.0f} req/s, mean {r['mean_ms']:.2f} ms, "
                    f"{m.get(f'ab{c}_cpu_us_per_req') or 0:.1f} us CPU/req, {r.get('tls')}")

        if HS_WARMUP > 0:
            go("handshake", HS_CONNS, HS_WARMUP, 0)
        # full handshakes (the driver resumes nothing in this mode)
        run = go("handshake", HS_CONNS, HS_DURATION, WARMUP)
        j = run["json"]
        m["hs_rate"] = j["rps"]
        m["hs_p99_ms"] = j["p99_ms"]
        m["hs_cpu_us_per_hs"] = per_op_us(run)
        m["hs_cpu_by_thread"] = per_op_groups_us(run)
        m["hs_resumed_fraction"] = j.get("resumed_fraction")
        m["hs_other_cores"] = (run["rates"]["system"] - run["rates"]["proxy"]
                               - run["rates"]["upstream"] - run["rates"]["driver"])
        log(f"{tag}: full handshakes: {j['rps']:.0f}/s, {m['hs_cpu_us_per_hs']:.0f} us CPU each, "
            f"resumed {j.get('resumed_fraction')}")

        if RESUME:
            run = go("resume", HS_CONNS, RESUME_DURATION, WARMUP)
            j = run["json"]
            m["rs_rate"] = j["rps"]
            m["rs_cpu_us_per_hs"] = per_op_us(run)
            m["rs_resumed_fraction"] = j.get("resumed_fraction")
            log(f"{tag}: resumed handshakes: {j['rps']:.0f}/s, {m['rs_cpu_us_per_hs']:.0f} us "
                f"CPU each, resumed {j.get('resumed_fraction')}")

        # RSS growth across GROWTH_HANDSHAKES full handshakes, after the warm-up above; both
        # snapshots of the process idle for GROWTH_SETTLE s, past HotSpot's 5 s sweep of cached
        # JIT arena chunks, so the JIT's transient memory is not taken for growth
        time.sleep(GROWTH_SETTLE)
        before = proctree.snapshot(proc.pid)
        done, rate = 0, max(m["hs_rate"], 100)
        while done < GROWTH_HANDSHAKES:
            secs = max(1, round((GROWTH_HANDSHAKES - done) / rate))
            run = go("handshake", HS_CONNS, secs, 0)
            done += run["json"].get("handshakes", run["json"]["requests"])
            rate = max(run["json"]["rps"], 100)
        time.sleep(GROWTH_SETTLE)
        after = proctree.snapshot(proc.pid)
        m["growth_handshakes"] = done
        m["growth_rss_before_kib"], m["growth_rss_after_kib"] = before["rss_kib"], after["rss_kib"]
        m["growth_rss_kib"] = after["rss_kib"] - before["rss_kib"]
        m["growth_pss_kib"] = after["pss_kib"] - before["pss_kib"]
        log(f"{tag}: {done} handshakes: RSS {before['rss_kib']} -> {after['rss_kib']} KiB")

        # idle mTLS connections: RSS with IDLE_BASE_CONNS open vs with IDLE_CONNS open, both
        # while the driver runs (so pages shared with the driver JVM count the same way in both)
        snaps, live_heap_per_conn = hold_idle(proc, proxy, tag, go, "idle", IDLE_BASE_CONNS, IDLE_CONNS)
        if live_heap_per_conn is not None:
            m["idle_live_heap_per_conn_kib"] = live_heap_per_conn
        lo, hi = snaps[IDLE_BASE_CONNS], snaps[IDLE_CONNS]
        n = hi["connections"] - lo["connections"]
        m["idle_connections"] = hi["connections"]
        m["idle_rss_kib"] = hi["second"]["rss_kib"]
        m["idle_rss_per_conn_kib"] = (hi["second"]["rss_kib"] - lo["second"]["rss_kib"]) / n
        m["idle_pss_per_conn_kib"] = (hi["second"]["pss_kib"] - lo["second"]["pss_kib"]) / n
        end = proctree.snapshot(proc.pid)
        m["end_rss_kib"], m["end_pss_kib"] = end["rss_kib"], end["pss_kib"]
        raw["snapshots"] = {"base": base, "growth_before": before, "growth_after": after,
                            "idle": snaps, "end": end}
    finally:
        stop(proc)
    return m, raw


def ws_phase(rnd, proxy, echo):
    """The WebSocket tunnel phase of one proxy in one round: the proxy started fresh with its
    tunnel config (upstream: the echo), then the driver's ws-* modes, each window after an
    untimed warm-up in its mode: throughput (WS_CONNS tunnels, WS_MESSAGE_SIZE messages), 1 KiB
    round trips (WS_RT_CONNS tunnels), then idle tunnels (memory). Proxy CPU is read from /proc
    over each window as for the keep-alive windows. Returns the metrics (ws_*) and raw data."""
    tag = f"r{rnd}-{proxy}-ws"
    m = {"errors": {}}
    raw = {"runs": []}
    ups = proctree.tree(echo.pid)
    proc, m["ws_startup_s"] = start_proxy(proxy, tag, variant="ws")
    log(f"{tag}: ready after {m['ws_startup_s'] * 1000:.0f} ms (pid {proc.pid})")
    try:
        pids = proctree.tree(proc.pid)
        time.sleep(2)  # past start-up (the JVM's first JIT burst), as the HTTP phase's base RSS waits

        def go(mode, conns, duration, warmup, on_ready=None, size=None):
            extra = ["--message-size", size] if size else []
            if mode == "ws-idle":
                # All tunnels open at once and progress together, so they finish together: with
                # 2000 of them (TLS handshake, upstream connect, upgrade, round trip) the driver's
                # 5 s deadline per tunnel was reached by all of them in one round on this machine.
                extra += ["--timeout", WS_IDLE_TIMEOUT]
            run = driver(proxy, mode, conns, duration, warmup, tag, pids, ups, None, on_ready,
                         path=WS_PATH, extra=extra)
            raw["runs"].append(run)
            if "json" in run and run["json"].get("errors"):
                m["errors"][run["name"]] = run["json"]["errors"]
            return run

        def measured(run, what):
            j = run["json"]
            if j["requests"] <= 0 or j["rps"] <= 0:
                raise RuntimeError(f"{what}: no message came back through the tunnels "
                                   f"(errors {j.get('errors_by_kind')})")
            return j

        if WS_WARMUP > 0:
            go("ws-throughput", WS_CONNS, WS_WARMUP, 0, size=WS_MESSAGE_SIZE)
        run = go("ws-throughput", WS_CONNS, WS_DURATION, WARMUP, size=WS_MESSAGE_SIZE)
        j = measured(run, "ws-throughput")
        m["ws_mib_per_s"] = j["mib_per_s"]
        m["ws_msg_per_s"] = j["rps"]
        m["ws_message_size"] = j["message_size"]
        m["ws_cpu_ms_per_mib"] = run["rates"]["proxy"] / j["mib_per_s"] * 1e3
        m["ws_cpu_by_thread"] = per_op_groups_us(run, rate=j["mib_per_s"], scale=1e3)
        m["ws_other_cores"] = (run["rates"]["system"] - run["rates"]["proxy"]
                               - run["rates"]["upstream"] - run["rates"]["driver"])
        log(f"{tag}: ws-throughput c={WS_CONNS}: {j['mib_per_s']:.1f} MiB/s ({j['rps']:.0f} msg/s), "
            f"{m['ws_cpu_ms_per_mib']:.2f} ms CPU/MiB")

        if WS_WARMUP > 0:
            go("ws-roundtrip", WS_RT_CONNS, WS_WARMUP, 0, size="1KiB")
        run = go("ws-roundtrip", WS_RT_CONNS, WS_DURATION, WARMUP, size="1KiB")
        j = measured(run, "ws-roundtrip")
        m["ws_rt_rate"] = j["rps"]
        m["ws_rt_p50_ms"] = j["p50_ms"]
        m["ws_rt_p99_ms"] = j["p99_ms"]
        m["ws_rt_cpu_us"] = per_op_us(run)
        m["ws_rt_cpu_by_thread"] = per_op_groups_us(run)
        m["ws_rt_other_cores"] = (run["rates"]["system"] - run["rates"]["proxy"]
                                  - run["rates"]["upstream"] - run["rates"]["driver"])
        log(f"{tag}: ws-roundtrip c={WS_RT_CONNS}: {j['rps']:.0f} msg/s p50 {j['p50_ms']:.2f} ms "
            f"p99 {j['p99_ms']:.2f} ms, {m['ws_rt_cpu_us']:.1f} us CPU/round trip")

        # idle tunnels: as the HTTP phase's idle connections, each after one 1 KiB round trip
        snaps, live_heap_per_tunnel = hold_idle(proc, proxy, tag, go, "ws-idle", WS_IDLE_BASE_CONNS,
                                                WS_IDLE_CONNS)
        if live_heap_per_tunnel is not None:
            m["ws_idle_live_heap_per_tunnel_kib"] = live_heap_per_tunnel
        lo, hi = snaps[WS_IDLE_BASE_CONNS], snaps[WS_IDLE_CONNS]
        n = hi["connections"] - lo["connections"]
        m["ws_idle_tunnels"] = hi["connections"]
        m["ws_idle_rss_kib"] = hi["second"]["rss_kib"]
        m["ws_idle_rss_per_tunnel_kib"] = (hi["second"]["rss_kib"] - lo["second"]["rss_kib"]) / n
        m["ws_idle_pss_per_tunnel_kib"] = (hi["second"]["pss_kib"] - lo["second"]["pss_kib"]) / n
        raw["snapshots"] = {"idle": snaps}
    finally:
        stop(proc)
    return m, raw


def h2_key(conns, streams):
    """The metrics' prefix of one HTTP/2 window: h2_1x50_rps, ..."""
    return f"h2_{conns}x{streams}"


def h2_phase(rnd, proxy, upstream):
    """The HTTP/2 phase of one proxy in one round: the proxy started fresh with its h2 config
    (portcullis-h2.yaml, nginx-h2-proxy.conf: the HTTP phase's listener, mTLS and upstream with h2
    on it), an untimed warm-up in the driver's h2 mode in every window's shape, then one window per
    H2_LOADS entry (N connections x M streams each), proxy CPU from /proc over each window as for
    the keep-alive windows; then idle h2 connections (memory), each after one request; then (H2LOAD)
    h2load_step. Returns the metrics (h2_*, h2load_*) and raw data."""
    tag = f"r{rnd}-{proxy}-h2"
    m = {"errors": {}}
    raw = {"runs": []}
    ups = proctree.tree(upstream.pid)
    proc, m["h2_startup_s"] = start_proxy(proxy, tag, variant="h2")
    log(f"{tag}: ready after {m['h2_startup_s'] * 1000:.0f} ms (pid {proc.pid})")
    try:
        pids = proctree.tree(proc.pid)
        time.sleep(2)  # past start-up (the JVM's first JIT burst), as the other phases wait

        def go(mode, conns, streams, duration, warmup, on_ready=None):
            extra = ["--streams", str(streams)]
            if mode == "h2-idle":
                extra += ["--timeout", IDLE_TIMEOUT]
            run = driver(proxy, mode, conns, duration, warmup, tag, pids, ups, None, on_ready,
                         extra=extra)
            raw["runs"].append(run)
            if "json" in run and run["json"].get("errors"):
                m["errors"][run["name"]] = run["json"]["errors"]
            return run

        def measured(run, what):
            j = run["json"]
            if j["requests"] <= 0 or j["rps"] <= 0:
                raise RuntimeError(f"{what}: no response over HTTP/2 (errors {j.get('errors_by_kind')})")
            return j

        # Untimed warm-up in every window's shape, in window order, H2_WARMUP shared: after 15 s
        # at the largest load alone, C2 still compiled 4-11 us per request into the first window
        # (one connection), and about 1 us once that shape had its own warm-up.
        if H2_WARMUP > 0:
            for conns, streams in H2_LOADS:
                go("h2", conns, streams, H2_WARMUP / len(H2_LOADS), 0)
        for conns, streams in H2_LOADS:
            k = h2_key(conns, streams)
            before = upstream_counters()
            run = go("h2", conns, streams, H2_DURATION, WARMUP)
            after = upstream_counters()
            j = measured(run, f"h2 {conns}x{streams}")
            if before and after:
                # over the driver's whole run (its warm-up too), less the second probe's own
                m[f"{k}_upstream_conns_opened"] = after[0] - before[0] - 1
                m[f"{k}_upstream_requests"] = after[1] - before[1] - 1
            m[f"{k}_rps"] = j["rps"]
            m[f"{k}_p50_ms"] = j["p50_ms"]
            m[f"{k}_p99_ms"] = j["p99_ms"]
            m[f"{k}_cpu_us_per_req"] = per_op_us(run)
            m[f"{k}_cpu_by_thread"] = per_op_groups_us(run)
            m[f"{k}_goaways"] = j.get("goaways", 0)
            m[f"{k}_conns_opened"] = j.get("handshakes", 0)
            m[f"{k}_other_cores"] = (run["rates"]["system"] - run["rates"]["proxy"]
                                     - run["rates"]["upstream"] - run["rates"]["driver"])
            m[f"{k}_driver_cores"] = run["rates"]["driver"]
            m["h2_server_max_streams"] = j.get("server_max_concurrent_streams")
            log(f"{tag}: h2 {conns}x{streams}: {j['rps']:.0f} req/s p50 {j['p50_ms']:.2f} ms "
                f"p99 {j['p99_ms']:.2f} ms, {m[f'{k}_cpu_us_per_req']:.1f} us CPU/req, "
                f"driver {run['rates']['driver']:.2f} cores, {j.get('goaways', 0)} GOAWAY, "
                f"server max streams {j.get('server_max_concurrent_streams')}, "
                f"{m.get(f'{k}_upstream_conns_opened', '?')} upstream connections opened")

        # idle h2 connections: as the HTTP phase's idle connections, each after one request
        snaps, live_heap_per_conn = hold_idle(
            proc, proxy, tag, lambda mode, n, duration, warmup, on_ready=None:
            go(mode, n, 1, duration, warmup, on_ready), "h2-idle", H2_IDLE_BASE_CONNS, H2_IDLE_CONNS)
        if live_heap_per_conn is not None:
            m["h2_idle_live_heap_per_conn_kib"] = live_heap_per_conn
        lo, hi = snaps[H2_IDLE_BASE_CONNS], snaps[H2_IDLE_CONNS]
        n = hi["connections"] - lo["connections"]
        m["h2_idle_connections"] = hi["connections"]
        m["h2_idle_rss_kib"] = hi["second"]["rss_kib"]
        m["h2_idle_rss_per_conn_kib"] = (hi["second"]["rss_kib"] - lo["second"]["rss_kib"]) / n
        m["h2_idle_pss_per_conn_kib"] = (hi["second"]["pss_kib"] - lo["second"]["pss_kib"]) / n
        raw["snapshots"] = {"idle": snaps}
    finally:
        stop(proc)
    if RUN_H2LOAD:
        h2load_step(rnd, proxy, upstream, m, raw)
    return m, raw


# ---------------------------------------------------------------------------------------------
# locking: hold the shared Maven lock while measuring, one phase at a time

class LockTimeout(Exception):
    pass


def lock_holders():
    """Which processes have the lock file open (a flock lock belongs to an open file, so a
    process that inherited the descriptor holds it too)."""
    target = os.path.realpath(LOCK_FILE)
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            for fd in os.listdir(f"/proc/{name}/fd"):
                if os.readlink(f"/proc/{name}/fd/{fd}") == target:
                    with open(f"/proc/{name}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace")[:100]
                    found.append(f"pid {name}: {cmd}")
                    break
        except OSError:
            continue
    return "open by " + ("; ".join(found) if found else "nobody visible")


@contextlib.contextmanager
def measuring_lock(what):
    if LOCK_MODE != "phase":
        yield
        return
    fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        t = time.monotonic()
        next_note = t + 60
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            now = time.monotonic()
            if now - t > LOCK_WAIT_MAX:
                raise LockTimeout(f"{LOCK_FILE} not free after {LOCK_WAIT_MAX:.0f}s; "
                                  f"{lock_holders()}")
            if now >= next_note:
                log(f"still waiting for {LOCK_FILE} ({now - t:.0f}s); {lock_holders()}")
                next_note = now + 120
            time.sleep(0.5)
        waited = time.monotonic() - t
        if waited > 0.5:
            log(f"waited {waited:.0f}s for {LOCK_FILE}")
        t = time.monotonic()
        yield
        log(f"{what}: held the lock {time.monotonic() - t:.0f}s")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_summary(rows, failures, complete):
    """rounds.json and metrics.csv, rewritten after every phase so that an interrupted run still
    has a report of the phases it finished."""
    keys = sorted({k for r in rows for k, v in r.items() if isinstance(v, (int, float))})
    with open(os.path.join(OUT, "metrics.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["round", "proxy", "metric", "value"])
        for r in rows:
            for k in keys:
                if k in r and k != "round":
                    w.writerow([r["round"], r["proxy"], k, r[k]])
    with open(os.path.join(OUT, "rounds.json"), "w") as f:
        json.dump({"rows": rows, "failures": failures, "complete": complete}, f, indent=1)


def portcullis_yaml(proxy, upstream_url, ws=False, h2=False, client_auth="require"):
    """A Portcullis build's config: the same for every build but for its listening port, and for
    the tunnel phase (ws) but for the upstream and its connection cap. websocket.enabled (true) and
    websocket.idle_timeout (300s, nginx-ws-proxy.conf's proxy_read_timeout) are left to their
    defaults, so that a build without the websocket section still loads the file. The HTTP/2
    phase's (h2) is the HTTP phase's with the two settings nginx-h2-proxy.conf sets the same:
    http2.max_concurrent_streams and limits.max_requests_per_connection (a build without the
    http2 section cannot be measured over h2 anyway). client_auth "optional" is for h2load, which
    cannot present a certificate."""
    note, pool, more = "", "", ""
    if h2:
        note = ("# the HTTP/2 phase: as portcullis.yaml but for the two settings nginx-h2-proxy.conf\n"
                "# sets the same (http2_max_concurrent_streams, keepalive_requests)\n")
        if client_auth != "require":
            note += ("# and, for h2load (no client-certificate option), the client certificate optional,\n"
                     "# as nginx-h2load-proxy.conf's ssl_verify_client optional\n")
        more = (f"limits:\n  max_requests_per_connection: {H2_MAX_REQUESTS}\n"
                f"http2:\n  enabled: true\n  max_concurrent_streams: {H2_MAX_STREAMS}\n")
    if ws:
        note = "# the WebSocket tunnel phase: as portcullis.yaml but for the upstream, the echo\n"
        # A tunnel's upstream connection leaves the pool but counts against max_connections
        # until it closes: the default 256 would cap the idle tunnels, where nginx has no cap
        # (worker_connections 8192 per worker, client and upstream connections together).
        pool = f"\n  max_connections: {min(100000, max(8192, 2 * WS_IDLE_CONNS))}"
    return f"""# written by benchmarks/scripts/bench.py
{note}listen: "127.0.0.1:{PORTS[proxy]}"
tls:
  cert: {PKI}/server.crt
  key: {PKI}/server.key
  client_ca: {PKI}/ca.crt
  client_auth: {client_auth}
  verify_depth: 4
  protocols: [TLSv1.3, TLSv1.2]
upstream:
  url: "{upstream_url}"{pool}
admin:
  listen: "127.0.0.1:{ADMIN_PORT}"
access_log: "off"
{more}"""


def start_echo():
    """The WebSocket echo upstream, shared by every proxy's tunnel phase like the nginx upstream."""
    echo = spawn([*ECHO_CMD, "--listen", f"127.0.0.1:{WS_UPSTREAM_PORT}"],
                 os.path.join(RAW, "logs", "ws-upstream.log"))
    echo.bench_started = time.monotonic()
    wait_ready(echo, lambda: http_get_status(WS_UPSTREAM_PORT, "/"))
    log(f"upstream WebSocket echo on 127.0.0.1:{WS_UPSTREAM_PORT} (pid {echo.pid})")
    return echo


def main():
    os.makedirs(os.path.join(RAW, "driver"), exist_ok=True)
    os.makedirs(os.path.join(RAW, "logs"), exist_ok=True)
    os.makedirs(os.path.join(WORK, "tmp"), exist_ok=True)
    pick_ports()
    values = {"PREFIX": WORK, "UPSTREAM_PORT": UPSTREAM_PORT, "PORT": PORTS["nginx"], "PKI": PKI,
              "REUSEPORT": " reuseport" if NGINX_REUSEPORT else "",
              "UPSTREAM_KEEPALIVE": NGINX_UPSTREAM_KEEPALIVE}
    render("upstream.conf.tmpl", os.path.join(WORK, "nginx-upstream.conf"), values)
    render("proxy.conf.tmpl", os.path.join(WORK, "nginx-proxy.conf"), values)
    configs = ["nginx-upstream.conf", "nginx-proxy.conf"]
    if RUN_WS:
        render("ws-proxy.conf.tmpl", os.path.join(WORK, "nginx-ws-proxy.conf"),
               {**values, "WS_UPSTREAM_PORT": WS_UPSTREAM_PORT, "WS_BUFFER": NGINX_WS_BUFFER})
        configs.append("nginx-ws-proxy.conf")
    if RUN_H2:
        h2_values = {**values, "H2_MAX_STREAMS": H2_MAX_STREAMS, "H2_MAX_REQUESTS": H2_MAX_REQUESTS}
        render("h2-proxy.conf.tmpl", os.path.join(WORK, "nginx-h2-proxy.conf"),
               {**h2_values, "CONF_NAME": "h2-proxy", "VERIFY_CLIENT": "on"})
        configs.append("nginx-h2-proxy.conf")
    if RUN_H2LOAD:
        render("h2-proxy.conf.tmpl", os.path.join(WORK, "nginx-h2load-proxy.conf"),
               {**h2_values, "CONF_NAME": "h2load-proxy", "VERIFY_CLIENT": "optional"})
        configs.append("nginx-h2load-proxy.conf")
    for proxy in ROOTS:  # one config per Portcullis build, the same but for the port
        if proxy != "portcullis" and proxy not in PROXIES:
            continue
        configs.append(f"{proxy}.yaml")
        with open(os.path.join(WORK, f"{proxy}.yaml"), "w") as f:
            f.write(portcullis_yaml(proxy, f"http://127.0.0.1:{UPSTREAM_PORT}"))
        if RUN_WS:  # the tunnel phase's: the same but for the upstream, the echo
            configs.append(f"{proxy}-ws.yaml")
            with open(os.path.join(WORK, f"{proxy}-ws.yaml"), "w") as f:
                f.write(portcullis_yaml(proxy, f"http://127.0.0.1:{WS_UPSTREAM_PORT}", ws=True))
        if RUN_H2:  # the HTTP/2 phase's: the same upstream, the two h2 settings nginx's has too
            configs.append(f"{proxy}-h2.yaml")
            with open(os.path.join(WORK, f"{proxy}-h2.yaml"), "w") as f:
                f.write(portcullis_yaml(proxy, f"http://127.0.0.1:{UPSTREAM_PORT}", h2=True))
        if RUN_H2LOAD:  # and for h2load, the client certificate optional
            configs.append(f"{proxy}-h2load.yaml")
            with open(os.path.join(WORK, f"{proxy}-h2load.yaml"), "w") as f:
                f.write(portcullis_yaml(proxy, f"http://127.0.0.1:{UPSTREAM_PORT}", h2=True,
                                        client_auth="optional"))
    for name in configs:
        with open(os.path.join(WORK, name)) as src, open(os.path.join(OUT, name), "w") as dst:
            dst.write(src.read())

    upstream = spawn(["nginx", "-p", WORK, "-c", os.path.join(WORK, "nginx-upstream.conf"),
                      "-e", os.path.join(WORK, "nginx-upstream-error.log")],
                     os.path.join(RAW, "logs", "upstream.log"))
    upstream.bench_started = time.monotonic()
    wait_ready(upstream, lambda: http_get_status(UPSTREAM_PORT, "/"))
    log(f"upstream nginx on 127.0.0.1:{UPSTREAM_PORT} (pid {upstream.pid})")

    echo = start_echo() if RUN_WS else None

    rows, failures, stopped = [], [], False
    try:
        for rnd in range(1, ROUNDS + 1):
            if stopped:
                break
            order = PROXIES if rnd % 2 == 1 else list(reversed(PROXIES))
            for proxy in order:
                if stopped:
                    break
                # the HTTP phase, then (WS) the tunnel phase, then (H2) the HTTP/2 phase, each
                # under its own hold of the lock and with the proxy started fresh; their figures
                # make one row. WS_ONLY / H2_ONLY: only the phases they name.
                m = {"round": rnd, "proxy": proxy, "errors": {}}
                raws, measured = {}, False
                phases = [p for p in (
                    ("http", "", lambda: phase(rnd, proxy, upstream)) if RUN_HTTP else None,
                    ("ws", " websocket", lambda: ws_phase(rnd, proxy, echo)) if RUN_WS else None,
                    ("h2", " http2", lambda: h2_phase(rnd, proxy, upstream)) if RUN_H2 else None,
                ) if p]
                for name, label, run_phase in phases:
                    try:
                        with measuring_lock(f"round {rnd} {proxy}{label}"):
                            pm, raw = run_phase()
                    except LockTimeout as e:
                        log(f"giving up: {e}")
                        failures.append({"round": rnd, "proxy": proxy, "error": f"not run: {e}"})
                        stopped = True
                        break
                    except Exception as e:  # keep going: one failed phase is reported as such
                        log(f"round {rnd} {proxy}{label} FAILED: {e}")
                        failures.append({"round": rnd, "proxy": proxy,
                                         "error": f"{name} phase: {e}" if len(phases) > 1 else str(e)})
                        continue
                    m["errors"].update(pm.pop("errors", {}))
                    m.update(pm)
                    raws[name] = raw
                    measured = True
                if not measured:
                    continue
                m["order"] = order.index(proxy) + 1
                rows.append(m)
                with open(os.path.join(RAW, f"round{rnd}-{proxy}.json"), "w") as f:
                    json.dump({"metrics": m, "raw": raws.get("http", {}), "ws_raw": raws.get("ws", {}),
                               "h2_raw": raws.get("h2", {})}, f, indent=1)
                write_summary(rows, failures, complete=False)
    finally:
        stop_all()
    write_summary(rows, failures, complete=True)
    log(f"done: {len(rows)} phases, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    def on_signal(signum, _frame):
        log(f"stopped by signal {signum}; stopping everything this run started")
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        sys.exit(main())
    finally:
        stop_all()

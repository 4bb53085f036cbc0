#!/usr/bin/env bash
# Portcullis vs nginx on this machine, in the same run, as ratios. Writes to
# benchmarks/results/<date>/ the summary, metadata and configs (summary.json, RESULTS.md,
# meta.json, portcullis.yaml, nginx-*.conf; committed), the per-round figures (rounds.json,
# metrics.csv) and the raw data in raw/ (both ignored by git: benchmarks/results/.gitignore), and
# the table to benchmarks/RESULTS.md.
#
#   benchmarks/run.sh              full run: 3 rounds, about 34 minutes on 2 cores (the tunnel phase
#                                  7, the HTTP/2 phase 13)
#   QUICK=1 benchmarks/run.sh      about 5 minutes, 1 round, short windows; writes only
#                                  benchmarks/results/<date>/RESULTS.md (WRITE_RESULTS=1 to
#                                  update benchmarks/RESULTS.md too)
#
# Modes, per proxy and round: keep-alive (the load driver, HTTP/1.1, KA_CONNS), ab -k (ApacheBench,
# an HTTP/1.0 client sending `Connection: Keep-Alive`, AB_CONNS; AB=0 leaves it out), full and
# resumed mTLS handshakes, RSS growth across handshakes, idle connections; then, with each proxy
# started fresh against a WebSocket echo upstream (benchmarks' EchoUpstream, WS_UPSTREAM_PORT),
# the tunnel phase: proxy CPU per MiB tunnelled (WS_CONNS tunnels of WS_MESSAGE_SIZE messages),
# per 1 KiB message round trip (WS_RT_CONNS tunnels) and memory per idle tunnel (WS_IDLE_CONNS).
# WS=0 leaves the tunnel phase out, WS_ONLY=1 runs only it. Then, with each proxy started fresh
# once more with HTTP/2 on its listener (portcullis-h2.yaml, nginx-h2-proxy.conf; the same upstream
# as the HTTP phase), the HTTP/2 phase: the load driver's h2 mode over mTLS, one window per H2_LOADS
# entry (N connections x M streams), req/s, proxy CPU per request, p50/p99, and memory per idle h2
# connection (H2_IDLE_CONNS); then each proxy once more with the client certificate optional
# (portcullis-h2load.yaml, nginx-h2load-proxy.conf) for nghttp2's h2load, which cannot present one
# (H2LOAD_LOADS; H2LOAD=0 leaves it out; Debian's nghttp2-client is installed when missing). H2=0
# leaves the phase out, H2_ONLY=1 runs only it (with WS_ONLY=1: the tunnels and it). ab waits at most
# AB_TIMEOUT s (its -s) for each response: a proxy that does not answer HTTP/1.0 keep-alive
# correctly (no `Connection: keep-alive` on the response, so ab waits for a close that never
# comes) makes ab fail; that is recorded as "ab -k: failed/timed out" in the table and the run
# goes on.
#
# Needs root or nginx and ab installed (it installs nginx-light and apache2-utils from Debian
# when they are missing), java 17, python3, and the jars (built with Maven under the shared lock when missing):
# proxy-app/target/portcullis.jar and benchmarks/target/benchmarks.jar (the load driver).
#
# The shared build lock (/tmp/portcullis-mvn.lock) is held while measuring, one phase of one
# proxy in one round at a time (about 1.5 minutes; the tunnel phase 1, the HTTP/2 phase 2), so
# nobody builds on this machine meanwhile; between phases it is released. Run under `flock /tmp/portcullis-mvn.lock benchmarks/run.sh` instead
# and it notices the inherited lock and holds it for the whole run.
#
# BASELINE_ROOT=DIR also measures an older Portcullis build, "baseline": DIR laid out like the repo
# root (DIR/bin/portcullis, DIR/proxy-app/target/portcullis.jar; snapshotted like this checkout's,
# never built). It runs exactly as "portcullis" does (same config but for its own port,
# BASELINE_PORT, same modes and warm-ups), in the rounds' alternating order (PROXIES defaults to
# "portcullis baseline nginx"), and RESULTS.md gets a second table, Portcullis / baseline:
#   BASELINE_ROOT=/path/to/old-checkout WRITE_RESULTS=0 benchmarks/run.sh
#
# Knobs (environment): ROUNDS DURATION WARMUP KA_WARMUP HS_WARMUP BASE_SETTLE GROWTH_SETTLE KA_CONNS DRIVER_THREADS HS_CONNS
# HS_DURATION GROWTH_HANDSHAKES IDLE_CONNS IDLE_BASE_CONNS RESUME RESUME_DURATION READY_PROBE
# (mtls | readyz: what "ready" means for Portcullis's start-up time) NGINX_UPSTREAM_KEEPALIVE
# NGINX_REUSEPORT PROXIES AB AB_CONNS AB_DURATION AB_WARMUP AB_TIMEOUT AB_REQUESTS UPSTREAM_PORT
# PORTCULLIS_PORT NGINX_PORT ADMIN_PORT BASELINE_ROOT BASELINE_PORT DRIVER_JAVA_OPTS KEEP_WORK=1 RESULTS_DIR
# WS WS_ONLY WS_UPSTREAM_PORT WS_WARMUP WS_DURATION WS_CONNS WS_MESSAGE_SIZE WS_RT_CONNS WS_IDLE_CONNS
# WS_IDLE_BASE_CONNS NGINX_WS_BUFFER H2 H2_ONLY H2_LOADS H2_WARMUP H2_DURATION H2_MAX_STREAMS
# H2_MAX_REQUESTS H2_IDLE_CONNS H2_IDLE_BASE_CONNS H2LOAD H2LOAD_LOADS. See
# benchmarks/scripts/bench.py for what each does. PORTCULLIS_JAVA_OPTS is honoured by the
# launcher but the published figures are taken with the launcher's defaults.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd "$bench_dir/.." && pwd -P)"
lock_file="${BENCH_LOCK_FILE:-/tmp/portcullis-mvn.lock}"
command_line="benchmarks/run.sh${*:+ $*}"
knobs=(QUICK ROUNDS DURATION WARMUP KA_WARMUP HS_WARMUP BASE_SETTLE GROWTH_SETTLE KA_CONNS DRIVER_THREADS HS_CONNS HS_DURATION
       GROWTH_HANDSHAKES IDLE_CONNS IDLE_BASE_CONNS RESUME RESUME_DURATION READY_PROBE
       UPSTREAM_PORT PORTCULLIS_PORT NGINX_PORT ADMIN_PORT DRIVER_JAVA_OPTS PORTCULLIS_JAVA_OPTS
       NGINX_UPSTREAM_KEEPALIVE NGINX_REUSEPORT PROXIES AB AB_CONNS AB_DURATION AB_WARMUP AB_TIMEOUT
       AB_REQUESTS BASELINE_ROOT BASELINE_PORT WS WS_ONLY WS_UPSTREAM_PORT WS_WARMUP WS_DURATION WS_CONNS
       WS_MESSAGE_SIZE WS_RT_CONNS WS_IDLE_CONNS WS_IDLE_BASE_CONNS NGINX_WS_BUFFER H2 H2_ONLY H2_LOADS
       H2_WARMUP H2_DURATION H2_MAX_STREAMS H2_MAX_REQUESTS H2_IDLE_CONNS H2_IDLE_BASE_CONNS H2LOAD
       H2LOAD_LOADS)
for k in "${knobs[@]}"; do
  if [ -n "${!k+x}" ]; then command_line="$k=${!k@Q} $command_line"; fi
done

say() { printf '[run.sh] %s\n' "$*" >&2; }

if [ "${QUICK:-0}" = 1 ]; then
  : "${ROUNDS:=1}" "${DURATION:=3}" "${WARMUP:=1}" "${KA_WARMUP:=3}" "${HS_WARMUP:=2}" "${HS_DURATION:=3}"
  : "${GROWTH_HANDSHAKES:=2000}" "${IDLE_CONNS:=500}" "${RESUME_DURATION:=2}"
  : "${WS_WARMUP:=2}" "${WS_IDLE_CONNS:=500}" "${H2_WARMUP:=4}" "${H2_IDLE_CONNS:=500}"
  : "${WRITE_RESULTS:=0}"
fi
export ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-10}" WARMUP="${WARMUP:-2}"
export KA_WARMUP="${KA_WARMUP:-8}" HS_WARMUP="${HS_WARMUP:-20}" KA_CONNS="${KA_CONNS:-50 200}"
export DRIVER_THREADS="${DRIVER_THREADS:-1}" HS_CONNS="${HS_CONNS:-32}"
export HS_DURATION="${HS_DURATION:-10}" GROWTH_HANDSHAKES="${GROWTH_HANDSHAKES:-20000}"
export BASE_SETTLE="${BASE_SETTLE:-10}" GROWTH_SETTLE="${GROWTH_SETTLE:-6}" IDLE_CONNS="${IDLE_CONNS:-2000}" IDLE_BASE_CONNS="${IDLE_BASE_CONNS:-10}"
export RESUME="${RESUME:-1}" RESUME_DURATION="${RESUME_DURATION:-5}"
export READY_PROBE="${READY_PROBE:-readyz}" PROXIES="${PROXIES:-portcullis${BASELINE_ROOT:+ baseline} nginx}"
export NGINX_UPSTREAM_KEEPALIVE="${NGINX_UPSTREAM_KEEPALIVE:-128}" NGINX_REUSEPORT="${NGINX_REUSEPORT:-0}"
export UPSTREAM_PORT="${UPSTREAM_PORT:-24080}" PORTCULLIS_PORT="${PORTCULLIS_PORT:-24443}"
export NGINX_PORT="${NGINX_PORT:-24444}" ADMIN_PORT="${ADMIN_PORT:-24901}" BASELINE_PORT="${BASELINE_PORT:-24445}"
export DRIVER_JAVA_OPTS="${DRIVER_JAVA_OPTS:-}"
export AB="${AB:-1}" AB_CONNS="${AB_CONNS:-50}" AB_DURATION="${AB_DURATION:-$DURATION}"
export AB_WARMUP="${AB_WARMUP:-$WARMUP}" AB_TIMEOUT="${AB_TIMEOUT:-5}" AB_REQUESTS="${AB_REQUESTS:-5000000}"
export WS="${WS:-1}" WS_ONLY="${WS_ONLY:-0}" WS_UPSTREAM_PORT="${WS_UPSTREAM_PORT:-24081}"
export WS_WARMUP="${WS_WARMUP:-5}" WS_DURATION="${WS_DURATION:-$DURATION}" WS_CONNS="${WS_CONNS:-8}"
export WS_MESSAGE_SIZE="${WS_MESSAGE_SIZE:-64KiB}" WS_RT_CONNS="${WS_RT_CONNS:-50}"
export WS_IDLE_CONNS="${WS_IDLE_CONNS:-$IDLE_CONNS}" WS_IDLE_BASE_CONNS="${WS_IDLE_BASE_CONNS:-$IDLE_BASE_CONNS}"
export NGINX_WS_BUFFER="${NGINX_WS_BUFFER:-64k}"
export H2="${H2:-1}" H2_ONLY="${H2_ONLY:-0}" H2_LOADS="${H2_LOADS:-1x50 1x200 4x13 4x50}"
export H2_WARMUP="${H2_WARMUP:-20}" H2_DURATION="${H2_DURATION:-$DURATION}"
export H2_MAX_STREAMS="${H2_MAX_STREAMS:-100}" H2_MAX_REQUESTS="${H2_MAX_REQUESTS:-100000000}"
export H2_IDLE_CONNS="${H2_IDLE_CONNS:-$IDLE_CONNS}" H2_IDLE_BASE_CONNS="${H2_IDLE_BASE_CONNS:-$IDLE_BASE_CONNS}"
export H2LOAD="${H2LOAD:-1}" H2LOAD_LOADS="${H2LOAD_LOADS:-1x50}"
WRITE_RESULTS="${WRITE_RESULTS:-1}"

# --- the shared build lock: already held by a wrapping `flock`? ------------------------------
lock_held_by_parent() {
  local fd target
  for fd in /proc/$$/fd/*; do
    target="$(readlink "$fd" 2>/dev/null || true)"
    [ "$target" = "$lock_file" ] && return 0
  done
  return 1
}
if [ -z "${BENCH_LOCK:-}" ]; then
  if lock_held_by_parent; then BENCH_LOCK=held; else BENCH_LOCK=phase; fi
fi
export BENCH_LOCK BENCH_LOCK_FILE="$lock_file"

mvn_package() {  # the one allowed way to build, under the shared lock unless we hold it already
  say "building: mvn -B -q -DskipTests package"
  if [ "$BENCH_LOCK" = held ]; then
    (cd "$root" && mvn -B -q -DskipTests package)
  else
    (cd "$root" && flock "$lock_file" mvn -B -q -DskipTests package)
  fi
}

# --- nginx and ab (apache2-utils) -----------------------------------------------------------
apt_updated=0
apt_update_once() {
  export DEBIAN_FRONTEND=noninteractive
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
}
if ! command -v nginx >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { say "nginx is missing and this is not root: install nginx-light"; exit 1; }
  say "installing nginx-light from Debian"
  apt_update_once
  # policy-rc.d 101: the package must not start a system nginx (nothing may hold port 80).
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created_policy=1; fi
  apt-get install -y -qq nginx-light >/dev/null || apt-get install -y -qq nginx >/dev/null
  [ "$created_policy" = 1 ] && rm -f "$policy"
fi
if [ "$AB" = 1 ] && ! command -v ab >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { say "ab is missing and this is not root: install apache2-utils (or AB=0)"; exit 1; }
  say "installing apache2-utils (ab) from Debian"
  apt_update_once
  apt-get install -y -qq --no-install-recommends apache2-utils >/dev/null
fi
if [ "$H2" = 1 ] && [ "$H2LOAD" = 1 ] && ! command -v h2load >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    say "installing nghttp2-client (h2load) from Debian"
    apt_update_once
    apt-get install -y -qq --no-install-recommends nghttp2-client >/dev/null
  else
    say "h2load is missing and this is not root: the HTTP/2 phase goes without its h2load run (install nghttp2-client)"
    export H2LOAD=0
  fi
fi
command -v python3 >/dev/null || { say "python3 is required"; exit 1; }
command -v java >/dev/null || { say "java is required"; exit 1; }

# --- jars -----------------------------------------------------------------------------------
jar="$root/proxy-app/target/portcullis.jar"
driver_jar="$root/benchmarks/target/benchmarks.jar"
driver_class=dev/portcullis/bench/load/LoadDriver.class
echo_class=dev/portcullis/bench/echo/EchoUpstream.class  # the tunnel phase's upstream, in the same jar
h2_class=dev/portcullis/bench/load/H2Connection.class    # the driver's h2 mode
has_driver() { [ -f "$driver_jar" ] && python3 -c 'import sys, zipfile; names = set(zipfile.ZipFile(sys.argv[1]).namelist()); sys.exit(0 if set(sys.argv[2:]) <= names else 1)' "$driver_jar" "$driver_class" "$echo_class" "$h2_class"; }
if [ -n "${BENCH_DRIVER_CMD:-}" ]; then
  say "stand-in driver: $BENCH_DRIVER_CMD (testing the scripts; not for published figures)"
  [ -f "$jar" ] || mvn_package
else
  if [ ! -f "$jar" ] || ! has_driver; then mvn_package; fi
  has_driver || { say "$driver_jar has no $driver_class, $echo_class or $h2_class (the load driver is not built)"; exit 1; }
fi

if [ -n "${BASELINE_ROOT:-}" ]; then
  BASELINE_ROOT="$(cd "$BASELINE_ROOT" && pwd -P)"
  for f in bin/portcullis proxy-app/target/portcullis.jar; do
    [ -f "$BASELINE_ROOT/$f" ] || { say "BASELINE_ROOT: $BASELINE_ROOT/$f is missing (it is not built here)"; exit 1; }
  done
fi

# --- work dir: snapshots of the launcher and jars, so a build during the run changes nothing --
work="$(mktemp -d /tmp/portcullis-bench.XXXXXX)"
bench_pid=
cleanup() {
  local rc=$?
  if [ -n "${bench_pid:-}" ]; then  # bench.py stops what it started on SIGTERM
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  if [ -f "$work/pids" ]; then
    while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done <"$work/pids"
    sleep 0.5
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$work/pids"
  fi
  if [ "${KEEP_WORK:-0}" = 1 ]; then say "work dir kept: $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted (SIGINT)"; exit 130' INT
trap 'say "terminated (SIGTERM)"; exit 143' TERM
trap 'say "hung up (SIGHUP)"; exit 129' HUP

snapshot_root() {  # $1: a checkout's root, $2: where its launcher and jar go
  mkdir -p "$2/bin" "$2/proxy-app/target"
  cp "$1/bin/portcullis" "$2/bin/portcullis"
  cp "$1/proxy-app/target/portcullis.jar" "$2/proxy-app/target/portcullis.jar"
}
snapshot_root "$root" "$work/root"
[ -n "${BASELINE_ROOT:-}" ] && snapshot_root "$BASELINE_ROOT" "$work/baseline"
if [ -f "$driver_jar" ]; then cp "$driver_jar" "$work/benchmarks.jar"; fi

stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
out="${RESULTS_DIR:-$bench_dir/results/$stamp}"
mkdir -p "$out"
say "results: $out"

# --- PKI: the dev PKI from the snapshot launcher (EC P-256), openssl as the fallback ---------
pki="$work/pki"
if ! "$work/root/bin/portcullis" certs --out "$pki" >/dev/null 2>&1; then
  say "portcullis certs failed; making the PKI with openssl"
  "$bench_dir/scripts/openssl-pki.sh" "$pki"
fi

# --- metadata for RESULTS.md ----------------------------------------------------------------
# The launcher's own lines that compute its defaults (they probe the JVM), evaluated as it would.
launcher_flags() {  # $1: a launcher (bin/portcullis)
  env -u PORTCULLIS_JAVA_OPTS bash -c 'eval "$(sed -n "/^default_opts=/,/^java_opts=/p" "$1")"; echo "$java_opts MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}"' _ "$1"
}
source_desc() {  # $1: a checkout's root; GIT_OPTIONAL_LOCKS=0: git status leaves its index alone
  local desc
  desc="$(cd "$1" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(cd "$1" && GIT_OPTIONAL_LOCKS=0 git status --porcelain --untracked-files=no -- proxy-app proxy-core proxy-config bin pom.xml 2>/dev/null)" ]; then
    desc="$desc + uncommitted changes in the proxy sources"
  fi
  echo "$desc"
}
default_flags="$(launcher_flags "$root/bin/portcullis")"
jvm_flags="${PORTCULLIS_JAVA_OPTS:-$default_flags}"
[ -n "${PORTCULLIS_JAVA_OPTS:-}" ] && say "WARNING: PORTCULLIS_JAVA_OPTS is set; the launcher's defaults are: $default_flags"
git_desc="$(source_desc "$root")"
jar_prop() { unzip -p "$work/root/proxy-app/target/portcullis.jar" "META-INF/maven/$1/pom.properties" 2>/dev/null | sed -n 's/^version=//p'; }
export META_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')" META_COMMAND="$command_line" META_GIT="$git_desc"
export META_JAR_SHA="$(sha256sum "$work/root/proxy-app/target/portcullis.jar" | cut -d' ' -f1)"
export META_BASELINE_ROOT="${BASELINE_ROOT:-}"
if [ -n "${BASELINE_ROOT:-}" ]; then
  export META_BASELINE_GIT="$(source_desc "$BASELINE_ROOT")"
  export META_BASELINE_JAR_SHA="$(sha256sum "$work/baseline/proxy-app/target/portcullis.jar" | cut -d' ' -f1)"
  export META_BASELINE_JVM_FLAGS="${PORTCULLIS_JAVA_OPTS:-$(launcher_flags "$BASELINE_ROOT/bin/portcullis")}"
fi
export META_CPU="$(nproc) × $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
export META_KERNEL="$(uname -sr)"
export META_MEMORY="$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
export META_JAVA="$(java -version 2>&1 | sed -n 2p)"
export META_NGINX="$(nginx -v 2>&1 | sed 's/^nginx version: //'); $(nginx -V 2>&1 | grep -o 'running with OpenSSL [^)]*' || nginx -V 2>&1 | grep -o 'built with OpenSSL [^ ]*')"
export META_TCNATIVE="netty $(jar_prop io.netty/netty-handler), netty-tcnative-boringssl-static $(jar_prop io.netty/netty-tcnative-boringssl-static) (BoringSSL, statically linked)"
export META_PYTHON="$(python3 --version 2>&1)"
export META_AB=""
if [ "$AB" = 1 ]; then
  META_AB="$(ab -V 2>&1 | sed -n 's/^This is \(ApacheBench, Version [^ ]*\).*/\1/p' | head -1); apache2-utils $(dpkg-query -W -f '${Version}' apache2-utils 2>/dev/null || echo '?'); $(openssl version 2>/dev/null | cut -d' ' -f1-2)"
fi
export META_H2LOAD=""
if [ "$H2" = 1 ] && [ "$H2LOAD" = 1 ]; then
  META_H2LOAD="$(h2load --version 2>&1 | head -1); nghttp2-client $(dpkg-query -W -f '${Version}' nghttp2-client 2>/dev/null || echo '?')"
fi
export META_JVM_FLAGS="$jvm_flags" META_DRIVER="java ${DRIVER_JAVA_OPTS:+$DRIVER_JAVA_OPTS }-cp benchmarks/target/benchmarks.jar dev.portcullis.bench.load.LoadDriver --threads $DRIVER_THREADS"
python3 - "$out/meta.json" <<'EOF'
import json, os, sys
e = os.environ
params = {k: e[k] for k in ("ROUNDS", "DURATION", "WARMUP", "KA_WARMUP", "HS_WARMUP", "BASE_SETTLE", "GROWTH_SETTLE", "KA_CONNS",
          "DRIVER_THREADS", "HS_CONNS", "HS_DURATION", "GROWTH_HANDSHAKES", "IDLE_CONNS",
          "IDLE_BASE_CONNS", "RESUME", "RESUME_DURATION", "READY_PROBE", "PROXIES",
          "NGINX_UPSTREAM_KEEPALIVE", "NGINX_REUSEPORT", "AB", "AB_CONNS", "AB_DURATION",
          "AB_WARMUP", "AB_TIMEOUT", "WS", "WS_ONLY", "WS_WARMUP", "WS_DURATION", "WS_CONNS",
          "WS_MESSAGE_SIZE", "WS_RT_CONNS", "WS_IDLE_CONNS", "WS_IDLE_BASE_CONNS", "NGINX_WS_BUFFER",
          "H2", "H2_ONLY", "H2_LOADS", "H2_WARMUP", "H2_DURATION", "H2_MAX_STREAMS", "H2_MAX_REQUESTS",
          "H2_IDLE_CONNS", "H2_IDLE_BASE_CONNS", "H2LOAD", "H2LOAD_LOADS")}
meta = {"date": e["META_DATE"], "command": e["META_COMMAND"], "git": e["META_GIT"],
        "jar_sha256": e["META_JAR_SHA"], "cpu": e["META_CPU"], "kernel": e["META_KERNEL"],
        "memory": e["META_MEMORY"], "jvm_flags": e["META_JVM_FLAGS"], "driver": e["META_DRIVER"],
        "versions": {"Java": e["META_JAVA"], "nginx": e["META_NGINX"],
                     "Portcullis TLS": e["META_TCNATIVE"], "Python (harness)": e["META_PYTHON"]},
        "params": params}
if e.get("META_AB"):
    meta["versions"]["ab (HTTP/1.0 client)"] = e["META_AB"]
if e.get("META_H2LOAD"):
    meta["versions"]["h2load (HTTP/2 client, no client certificate)"] = e["META_H2LOAD"]
if e.get("META_BASELINE_ROOT"):
    meta["baseline"] = {"root": e["META_BASELINE_ROOT"], "git": e["META_BASELINE_GIT"],
                        "jar_sha256": e["META_BASELINE_JAR_SHA"],
                        "jvm_flags": e["META_BASELINE_JVM_FLAGS"]}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF

# --- measure --------------------------------------------------------------------------------
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export BENCH_OUT="$out" BENCH_WORK="$work" BENCH_PKI="$pki" BENCH_ROOT="$work/root"
export BENCH_BASELINE_ROOT="${BASELINE_ROOT:+$work/baseline}"
export BENCH_DRIVER_JAR="$work/benchmarks.jar"
say "lock mode: $BENCH_LOCK; rounds: $ROUNDS; started $(date -u +%H:%M:%S) UTC"
rc=0
python3 "$bench_dir/scripts/bench.py" &
bench_pid=$!
wait "$bench_pid" || rc=$?
bench_pid=

if [ -f "$out/rounds.json" ]; then
  python3 "$bench_dir/scripts/report.py" "$out" "$out/RESULTS.md" >/dev/null
  if [ "$WRITE_RESULTS" = 1 ]; then
    # generated again rather than copied: its link to README.md is relative to where it lives
    python3 "$bench_dir/scripts/report.py" "$out" "$bench_dir/RESULTS.md" >/dev/null
    say "wrote benchmarks/RESULTS.md"
  fi
  say "table: $out/RESULTS.md"
fi
say "finished $(date -u +%H:%M:%S) UTC (exit $rc)"
exit "$rc"

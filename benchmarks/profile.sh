#!/usr/bin/env bash
# Profiles Portcullis's event-loop threads over one load window with async-profiler (from Maven
# Central) and summarises where the time goes: kernel, Netty's pipeline, HTTP codec, TLS,
# Portcullis's own code. The tool behind "Where the per-request CPU goes" in README.md.
#
#   benchmarks/profile.sh                          keep-alive, 50 connections, CPU samples
#   MODE=handshake CONNS=32 benchmarks/profile.sh  full handshakes
#   EVENT=alloc benchmarks/profile.sh              allocations instead of CPU
#
# Knobs: MODE (keepalive | handshake | resume) CONNS EVENT (cpu | alloc | wall) INTERVAL
# (1ms for cpu, 64k for alloc) WARMUP_S (8: untimed load in MODE first) WINDOW_S (6: profiled)
# PORTCULLIS_JAVA_OPTS (else the launcher's defaults) ASYNC_PROFILER_VERSION (4.2).
# Writes benchmarks/results/<UTC time>-profile/: the collapsed stacks, gzipped (flame-graph
# input), summary.txt and the driver's figures. Needs nginx (the upstream), like run.sh, and the jars.
# Holds the shared build lock while it measures.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd "$bench/.." && pwd -P)"
MODE="${MODE:-keepalive}" CONNS="${CONNS:-50}" EVENT="${EVENT:-cpu}"
WARMUP_S="${WARMUP_S:-8}" WINDOW_S="${WINDOW_S:-6}" VERSION="${ASYNC_PROFILER_VERSION:-4.2}"
if [ "$EVENT" = alloc ]; then INTERVAL="${INTERVAL:-64k}"; else INTERVAL="${INTERVAL:-1ms}"; fi
UPSTREAM_PORT="${UPSTREAM_PORT:-25080}" PORT="${PORT:-25443}" ADMIN_PORT="${ADMIN_PORT:-25901}"
lock="${BENCH_LOCK_FILE:-/tmp/portcullis-mvn.lock}"

say() { printf '[profile.sh] %s\n' "$*" >&2; }
out="$root/benchmarks/results/$(date -u +%Y-%m-%dT%H%M%SZ)-profile"
work="$(mktemp -d /tmp/portcullis-profile.XXXXXX)"
mkdir -p "$out" "$work/tmp"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v nginx >/dev/null || { say "nginx is missing (apt-get install nginx-light)"; exit 1; }
if [ ! -f "$root/proxy-app/target/portcullis.jar" ] || [ ! -f "$root/benchmarks/target/benchmarks.jar" ]; then
  say "building the jars"
  (cd "$root" && flock "$lock" mvn -B -q -DskipTests package)
fi
jar="$HOME/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION-linux-x64.jar"
if [ ! -f "$jar" ]; then
  say "fetching async-profiler $VERSION from Maven Central"
  mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$VERSION:jar:linux-x64" >&2
fi
(cd "$work" && jar xf "$jar" linux-x64/libasyncProfiler.so)
lib="$work/linux-x64/libasyncProfiler.so"

"$root/bin/portcullis" certs --out "$work/pki" >/dev/null
sed -e "s#@PREFIX@#$work#g" -e "s#@UPSTREAM_PORT@#$UPSTREAM_PORT#g" \
  "$bench/nginx/upstream.conf.tmpl" > "$work/upstream.conf"
cat > "$work/portcullis.yaml" <<YAML
listen: "127.0.0.1:$PORT"
tls:
  cert: $work/pki/server.crt
  key: $work/pki/server.key
  client_ca: $work/pki/ca.crt
upstream:
  url: "http://127.0.0.1:$UPSTREAM_PORT"
admin:
  listen: "127.0.0.1:$ADMIN_PORT"
access_log: "off"
YAML

exec 9>"$lock"
flock 9
nginx -p "$work" -c "$work/upstream.conf" -e "$work/upstream-error.log" & pids+=($!)
"$root/bin/portcullis" --config "$work/portcullis.yaml" > "$out/portcullis.log" 2>&1 & pids+=($!)
for _ in $(seq 200); do
  curl -sf "http://127.0.0.1:$ADMIN_PORT/readyz" >/dev/null && break
  sleep 0.05
done
jvm="$(pgrep -f -- "portcullis.jar --config $work/portcullis.yaml" | head -1)"
[ -n "$jvm" ] || { say "Portcullis did not start: $(tail -3 "$out/portcullis.log")"; exit 1; }

drive() {  # drive SECONDS [--json FILE]
  local seconds="$1"; shift
  java -cp "$root/benchmarks/target/benchmarks.jar" dev.portcullis.bench.load.LoadDriver \
    --url "https://127.0.0.1:$PORT/" --cert "$work/pki/client.crt" --key "$work/pki/client.key" \
    --cacert "$work/pki/ca.crt" --mode "$MODE" --connections "$CONNS" --duration "${seconds}s" \
    --warmup 2s "$@"
}
say "warm-up: ${WARMUP_S}s of $MODE at $CONNS connections"
drive "$WARMUP_S" > "$out/warmup.txt"
drive "$((WINDOW_S + 2))" --json "$out/driver.json" > "$out/driver.txt" &
driver=$!
sleep 3  # the driver's own 2 s warm-up, and a margin
cpu0="$(awk '{print $14 + $15}' "/proc/$jvm/stat")"
java "$bench/scripts/ProfilerAttach.java" "$jvm" "$lib" "start,event=$EVENT,interval=$INTERVAL,threads"
sleep "$WINDOW_S"
java "$bench/scripts/ProfilerAttach.java" "$jvm" "$lib" "stop,file=$out/$EVENT.collapsed,collapsed"
cpu1="$(awk '{print $14 + $15}' "/proc/$jvm/stat")"
wait "$driver"
flock -u 9

{
  echo "# $MODE, $CONNS connections, event=$EVENT interval=$INTERVAL, ${WINDOW_S}s window ($(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD))"
  python3 - "$out/driver.json" "$cpu0" "$cpu1" "$WINDOW_S" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
ticks = os.sysconf("SC_CLK_TCK")
cores = (float(sys.argv[3]) - float(sys.argv[2])) / ticks / float(sys.argv[4])
print(f"driver: {d['rps']:.0f}/s p50 {d['p50_ms']} ms p99 {d['p99_ms']} ms; proxy CPU {cores:.2f} cores, "
      f"about {cores * 1e6 / d['rps']:.1f} us per {'request' if d['mode'] == 'keepalive' else 'handshake'} "
      "(profiler overhead included)")
PY
  python3 "$bench/scripts/profile_summary.py" "$out/$EVENT.collapsed"
} | tee "$out/summary.txt"
gzip -9 "$out/$EVENT.collapsed"
say "written: $out ($EVENT.collapsed.gz: async-profiler's collapsed stacks, flame-graph input)"

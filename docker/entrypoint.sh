#!/bin/sh
# The container's entry point, installed as /opt/portcullis/bin/portcullis by build-runtime.sh:
#   portcullis --config /etc/portcullis/portcullis.yaml     (the image's default CMD)
#   portcullis validate --config FILE | certs --out DIR | --version
# Runs the jar on the jlink runtime next to it. JVM options: PORTCULLIS_JAVA_OPTS replaces the
# tuning defaults, as in bin/portcullis (same defaults, measured in benchmarks/RESULTS.md): serial
# GC, a 16 MiB initial heap, heap capped at 50 % of the container's memory limit (the JVM reads the
# cgroup limit), 512 KiB thread stacks, native heap trimmed every second, exit on
# OutOfMemoryError so the orchestrator restarts the container. Plus -XX:-UsePerfData: no
# hsperfdata file in /tmp (jstat/jps are not in the runtime anyway).
# Always set, because the root filesystem may be read-only: java.io.tmpdir and Netty's native
# work directory are $TMPDIR (default /tmp: mount a writable tmpfs or emptyDir there), and Netty
# loads its native libraries from ../lib (java.library.path) instead of extracting them, so with
# the shipped libraries nothing is written at all.
set -eu
home="$(cd "$(dirname "$0")/.." && pwd -P)"
tmp="${TMPDIR:-/tmp}"
defaults="-XX:+UseSerialGC -Xms16m -XX:MaxRAMPercentage=50 -Xss512k -XX:+ExitOnOutOfMemoryError"
defaults="$defaults -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=1000 -XX:-UsePerfData"
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
# Word splitting of the options is intended.
# shellcheck disable=SC2086
exec "$home/runtime/bin/java" ${PORTCULLIS_JAVA_OPTS:-$defaults} \
  -Djava.io.tmpdir="$tmp" -Dio.netty.native.workdir="$tmp" -Djava.library.path="$home/lib" \
  -jar "$home/portcullis.jar" "$@"

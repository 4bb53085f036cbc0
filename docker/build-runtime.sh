#!/usr/bin/env bash
# Assembles the runtime tree the container image ships as /opt/portcullis, from a built jar:
#   OUT/runtime/          a jlink Java runtime holding only the modules below
#   OUT/lib/              Netty's native libraries (epoll, tcnative/BoringSSL) for this machine's
#                         architecture, taken out of the jar at build time so that nothing is
#                         extracted at run time (read-only root filesystem); found through
#                         -Djava.library.path, which Netty tries before extracting
#   OUT/portcullis.jar
#   OUT/bin/portcullis    docker/entrypoint.sh (the image's ENTRYPOINT)
#   OUT/bin/healthcheck   docker/healthcheck.sh (the image's HEALTHCHECK)
# The Dockerfile runs this script in its build stage, and proxy-app's ContainerRuntimeIT runs it
# into proxy-app/target/ and starts the proxy from the result, so the module list is tested.
#
#   docker/build-runtime.sh proxy-app/target/portcullis.jar /tmp/portcullis-runtime
#
# Needs a JDK 17 with jmods (jlink, jar): $JAVA_HOME/bin first, else PATH.
set -euo pipefail

# Modules of the runtime. `jdeps --ignore-missing-deps --print-module-deps --multi-release 17
# portcullis.jar` gives all but the last (java.logging, java.management and java.xml come with
# them); jdk.crypto.ec is needed only at run time, through the JCA provider lookup, which jdeps
# cannot see. Not needed: jdk.naming.dns (the upstream host goes through the OS resolver),
# jdk.localedata, jdk.zipfs. ContainerRuntimeIT checks that every jdeps module is listed here.
modules=(
  java.base
  java.compiler       # Log4j's plugin annotation processor types (jdeps; never run)
  java.desktop        # java.beans: SnakeYAML's introspector, Log4j, Micrometer (jdeps)
  java.naming         # Netty SSL, Bouncy Castle, Log4j's JNDI lookup classes (jdeps)
  java.rmi            # Log4j (jdeps)
  java.scripting      # Log4j's script conditions (jdeps)
  java.sql            # Micrometer, Log4j, Bouncy Castle use java.sql.Timestamp/Date (jdeps)
  jdk.jfr             # Netty's allocator events (jdeps; off unless -Dio.netty.jfr.enabled=true)
  jdk.management      # com.sun.management: Micrometer's process CPU and file descriptor meters (jdeps)
  jdk.unsupported     # sun.misc.Unsafe for Netty's direct buffers, sun.misc.Signal for SIGTERM/SIGHUP (jdeps)
  jdk.crypto.ec       # SunEC: without it an EC key fails to load and ECDSA certificates and CRLs cannot be verified
)

jar_path="${1:?usage: build-runtime.sh JAR OUTPUT_DIR}"
out="${2:?usage: build-runtime.sh JAR OUTPUT_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"

tool() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/$1" ]; then
    echo "$JAVA_HOME/bin/$1"
  elif command -v "$1" >/dev/null; then
    command -v "$1"
  else
    echo "build-runtime.sh: $1 not found (set JAVA_HOME to a JDK 17 with jmods)" >&2
    exit 1
  fi
}
jlink="$(tool jlink)"
jar_tool="$(tool jar)"

case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch_64 ;;
  *) echo "build-runtime.sh: no Netty native libraries for $(uname -m)" >&2; exit 1 ;;
esac

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
# --generate-cds-archive: a class-data-sharing archive, as a full JDK ships one (without it, idle
# RSS was 104 MiB instead of 97). No --compress: a compressed module image saves ~47 MB on disk but
# cost 7-9 MiB of idle RSS per process here (103 vs 95 MiB, measured 2026-11-25, JDK 17.0.15), and a
# sidecar runs once per pod while the image is pulled once per node.
"$jlink" --add-modules "$(IFS=,; echo "${modules[*]}")" \
  --strip-debug --no-man-pages --no-header-files \
  --generate-cds-archive \
  --output "$out/runtime"

cp "$jar_path" "$out/portcullis.jar"
natives=()
while IFS= read -r entry; do
  natives+=("$entry")
done < <("$jar_tool" tf "$jar_path" | grep -E "^META-INF/native/libnetty_[a-z_]+_${arch}\.so$")
if [ "${#natives[@]}" -eq 0 ]; then
  echo "build-runtime.sh: no Linux $arch native libraries in $jar_path" >&2
  exit 1
fi
(cd "$out/lib" && "$jar_tool" xf "$(cd "$(dirname "$jar_path")" && pwd -P)/$(basename "$jar_path")" "${natives[@]}" \
  && mv META-INF/native/*.so . && rm -rf META-INF)
install -m 0755 "$here/entrypoint.sh" "$out/bin/portcullis"
install -m 0755 "$here/healthcheck.sh" "$out/bin/healthcheck"
echo "build-runtime.sh: $out ($(du -sh "$out/runtime" | cut -f1) runtime; modules ${modules[*]})"

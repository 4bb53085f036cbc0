#!/usr/bin/env python3
"""Writes RESULTS.md from one benchmarks/run.sh result directory (Python 3 stdlib only).

  python3 report.py RESULT_DIR [OUTPUT.md]

Reads RESULT_DIR/rounds.json (bench.py) and RESULT_DIR/meta.json (run.sh). Medians and min-max
are taken across rounds; ratio = median(Portcullis) / median(nginx), with the range of the
per-round ratios (each round measures both proxies back to back) in parentheses. When the run
measured an older Portcullis build too (run.sh's BASELINE_ROOT, proxy "baseline"), a second table
gives median(Portcullis) / median(baseline) for the rows in BASELINE_ROWS, the same way. The
WebSocket tunnel phase (WS=1) gets a table of its own, WS_ROWS, with the same ratios (and the
baseline's, when it was measured), and so does the HTTP/2 phase (H2=1), H2_ROWS, one group of rows
per H2_LOADS window, with the issue's targets on the one-connection 50-stream window.
"""

import json
import os
import statistics
import sys

MIB = 1024.0

# key, label, unit, scale, decimals, target kind, target value
#   target kinds: ratio_le / ratio_ge (ratio P/N against value), abs_le (Portcullis median against
#   value, in the displayed unit), le_nginx (Portcullis median <= nginx median), None (reported only)
ROWS = [
    ("ka{c}_rps", "Keep-alive req/s, {c} conns", "req/s", 1, 0, "ratio_ge", 1.10),
    ("ka{c}_p50_ms", "Keep-alive p50, {c} conns", "ms", 1, 2, None, None),
    ("ka{c}_p99_ms", "Keep-alive p99, {c} conns", "ms", 1, 2, "ratio_le", 1.00),
    ("ka{c}_cpu_us_per_req", "Keep-alive proxy CPU per request, {c} conns", "µs", 1, 1, "ratio_le", 0.90),
    ("ab{a}_rps", "ab -k (HTTP/1.0 keep-alive) req/s, {a} conns", "req/s", 1, 0, None, None),
    ("ab{a}_mean_ms", "ab -k mean latency (ab's time per request), {a} conns", "ms", 1, 2, None, None),
    ("ab{a}_cpu_us_per_req", "ab -k proxy CPU per request, {a} conns", "µs", 1, 1, None, None),
    ("hs_rate", "Full mTLS handshakes/s", "/s", 1, 0, None, None),
    ("hs_cpu_us_per_hs", "Proxy CPU per full mTLS handshake", "µs", 1, 0, "ratio_le", 1.00),
    ("rs_rate", "Resumed handshakes/s", "/s", 1, 0, None, None),
    ("rs_cpu_us_per_hs", "Proxy CPU per resumption attempt", "µs", 1, 0, None, None),
    ("rs_resumed_fraction", "Fraction resumed in resume mode", "", 1, 2, None, None),
    ("idle_pss_per_conn_kib", "Memory per idle mTLS connection (Pss sum)", "KiB", 1, 1, "ratio_le", 0.75),
    ("idle_rss_per_conn_kib", "Memory per idle mTLS connection (RSS sum)", "KiB", 1, 1, None, None),
    ("idle_live_heap_per_conn_kib", "Live Java heap per idle mTLS connection", "KiB", 1, 1, None, None),
    ("idle_rss_kib", "RSS with {idle} idle mTLS connections", "MiB", 1 / MIB, 1, None, None),
    ("base_rss_kib", "Base RSS, idle {settle} s after the first request (RSS sum)", "MiB", 1 / MIB, 1, "abs_le", 96),
    ("base_pss_kib", "Base Pss, idle {settle} s after the first request (Pss sum)", "MiB", 1 / MIB, 1, None, None),
    ("base_rss_2s_kib", "RSS 2 s after the first request (RSS sum)", "MiB", 1 / MIB, 1, None, None),
    ("growth_pss_kib", "Memory growth across {growth} full handshakes after warm-up (Pss sum)", "MiB", 1 / MIB, 2, "le_nginx", None),
    ("growth_rss_kib", "Memory growth across the same handshakes (RSS sum)", "MiB", 1 / MIB, 2, None, None),
    ("growth_handshakes", "Handshakes actually made in that growth run", "", 1, 0, None, None),
    ("startup_s", "Start to ready (Portcullis /readyz 200, nginx first mTLS request)", "ms", 1000, 0, None, None),
    ("end_rss_kib", "RSS at the end of the round", "MiB", 1 / MIB, 1, None, None),
]

# the rows of the Portcullis / baseline table (keys as in ROWS, in ROWS' order)
BASELINE_ROWS = {"ka{c}_rps", "ka{c}_p99_ms", "ka{c}_cpu_us_per_req", "ab{a}_rps", "ab{a}_mean_ms",
                 "ab{a}_cpu_us_per_req", "hs_cpu_us_per_hs", "rs_cpu_us_per_hs",
                 "idle_pss_per_conn_kib", "base_rss_kib"}


# The WebSocket tunnel phase (bench.py's ws_phase): key, label, unit, scale, decimals. Reported
# with ratios, no targets; the three figures the issue asks for first.
WS_ROWS = [
    ("ws_cpu_ms_per_mib", "Proxy CPU per MiB tunnelled ({ws_conns} tunnels, {ws_size} messages, both directions)", "ms", 1, 2),
    ("ws_rt_cpu_us", "Proxy CPU per 1 KiB message round trip ({ws_rt_conns} tunnels)", "µs", 1, 1),
    ("ws_idle_rss_per_tunnel_kib", "Memory per idle tunnel (RSS sum)", "KiB", 1, 1),
    ("ws_idle_pss_per_tunnel_kib", "Memory per idle tunnel (Pss sum)", "KiB", 1, 1),
    ("ws_mib_per_s", "Tunnel throughput, both directions ({ws_conns} tunnels, {ws_size} messages)", "MiB/s", 1, 1),
    ("ws_msg_per_s", "Messages echoed/s in that window", "/s", 1, 0),
    ("ws_rt_rate", "1 KiB round trips/s ({ws_rt_conns} tunnels)", "/s", 1, 0),
    ("ws_rt_p50_ms", "1 KiB round trip p50", "ms", 1, 2),
    ("ws_rt_p99_ms", "1 KiB round trip p99", "ms", 1, 2),
    ("ws_idle_live_heap_per_tunnel_kib", "Live Java heap per idle tunnel", "KiB", 1, 1),
    ("ws_idle_rss_kib", "RSS with {ws_idle} idle tunnels (RSS sum)", "MiB", 1 / MIB, 1),
]


# The HTTP/2 phase (bench.py's h2_phase): key, label, unit, scale, decimals, target kind, target.
# {load} rows repeat per H2_LOADS window ("1x50": h2_1x50_rps, ...); the performance issue's
# targets apply to TARGET_LOAD (50 streams on one connection) only.
H2_TARGET_LOAD = "1x50"
H2_ROWS = [
    ("h2_{load}_rps", "HTTP/2 req/s, {desc}", "req/s", 1, 0, "ratio_ge", 1.20),
    ("h2_{load}_cpu_us_per_req", "HTTP/2 proxy CPU per request, {desc}", "µs", 1, 1, "ratio_le", 0.80),
    ("h2_{load}_p50_ms", "HTTP/2 p50, {desc}", "ms", 1, 2, None, None),
    ("h2_{load}_p99_ms", "HTTP/2 p99, {desc}", "ms", 1, 2, None, None),
    ("h2load_{hload}_rps", "h2load req/s, no client certificate, {desc}", "req/s", 1, 0, "ratio_ge", 1.20),
    ("h2load_{hload}_cpu_us_per_req", "h2load proxy CPU per request, no client certificate, {desc}", "µs", 1, 1,
     "ratio_le", 0.80),
    ("h2load_{hload}_mean_ms", "h2load mean latency, {desc}", "ms", 1, 2, None, None),
    ("h2_idle_rss_per_conn_kib", "Memory per idle h2 connection (RSS sum)", "KiB", 1, 1, None, None),
    ("h2_idle_pss_per_conn_kib", "Memory per idle h2 connection (Pss sum)", "KiB", 1, 1, None, None),
    ("h2_idle_live_heap_per_conn_kib", "Live Java heap per idle h2 connection", "KiB", 1, 1, None, None),
    ("h2_idle_rss_kib", "RSS with {h2_idle} idle h2 connections (RSS sum)", "MiB", 1 / MIB, 1, None, None),
]


def h2_loads(params, knob="H2_LOADS", default="1x50 1x200 4x13 4x50"):
    """The HTTP/2 windows as (key part, description): ("1x50", "1 connection × 50 streams")."""
    out = []
    for load in params.get(knob, default).split():
        n, m = load.split("x")
        out.append((load, f"{n} connection{'s' if n != '1' else ''} × {m} streams"
                          + (f" ({int(n) * int(m)} in all)" if n != "1" else "")))
    return out


def judge(kind, target, ratio, pm, nm, unit, scale):
    """A target row's verdict: (met: True/False/None, the target's text, the "Met?" cell)."""
    met, target_txt = "", ""
    if kind == "ratio_le":
        target_txt = f"ratio ≤ {target:.2f}"
        met = None if ratio is None else ratio <= target
    elif kind == "ratio_ge":
        target_txt = f"ratio ≥ {target:.2f}"
        met = None if ratio is None else ratio >= target
    elif kind == "abs_le":
        target_txt = f"Portcullis ≤ {target:g} {unit}"
        met = None if pm is None else pm * scale <= target
    elif kind == "le_nginx":
        target_txt = "Portcullis ≤ nginx"
        met = None if pm is None or nm is None else pm <= nm
    met_txt = "" if kind is None else ("n/a" if met is None else ("yes" if met else "**no**"))
    return met, target_txt, met_txt


def fmt(v, d):
    if v is None:
        return "n/a"
    return f"{v:,.{d}f}"


def cell(values, scale, d):
    if not values:
        return "n/a"
    vs = [v * scale for v in values]
    med = statistics.median(vs)
    if len(vs) == 1:
        return fmt(med, d)
    return f"{fmt(med, d)} [{fmt(min(vs), d)}–{fmt(max(vs), d)}]"


def method(p):
    g = lambda k, d: p.get(k, d)  # noqa: E731
    return [
        "- Machine sharing: the load driver, the upstream and the proxy under test all run on this "
        "machine's cores, unpinned. Throughput and latency therefore include the driver's and the "
        "upstream's competition for CPU; **proxy CPU per request / per handshake** is the figure "
        "least sensitive to that noise.",
        f"- Upstream: one nginx (1 worker) answering `200 ok\\n` with keep-alive, started once and "
        "shared by both proxies.",
        "- Proxies: Portcullis with `bin/portcullis` and its default JVM flags (below), "
        "`access_log: off`, identity headers on (the default), TLS 1.2 + 1.3, client cert required, "
        "verify depth 4, one event loop per processor (2); BoringSSL's session tickets on (the "
        "only way it resumes TLS 1.3). nginx with 2 workers, the same certificates, `ssl_verify_client on`, "
        "`ssl_verify_depth 4`, TLS 1.2 + 1.3, `ssl_session_cache shared:SSL:10m`, tickets off, "
        "`access_log off`, and the identity headers it has variables for (verify, subject and "
        "issuer DN, fingerprint, serial, not-after; none for the SAN list).",
        f"- nginx's upstream pool: `keepalive {g('NGINX_UPSTREAM_KEEPALIVE', '128')}` per worker "
        "(× 2 workers = Portcullis's default `upstream.max_connections: 256`), "
        "`keepalive_requests 1000000`, `keepalive_timeout 60s`. With `keepalive 64`, nginx closes "
        "and reopens upstream connections whenever more than 64 requests per worker are in "
        "flight, which at 200 client connections cost it about a quarter of its throughput "
        "(quick run: 30k vs 39k req/s, 32.9 vs 25.8 µs CPU per request), so the comparison "
        "would flatter Portcullis. "
        + ("Listening socket shared by both workers (no `reuseport`; the per-worker CPU split "
           "shows the load evenly spread)." if g('NGINX_REUSEPORT', '0') != '1' else
           "`reuseport`: one listening socket per worker."),
        "- Load: `LoadDriver` (Netty + BoringSSL, closed loop, "
        f"{g('DRIVER_THREADS', '1')} event-loop thread(s)), TLS 1.2 and 1.3 offered (1.3 is "
        "negotiated). Each mode's windows follow an untimed warm-up in that mode (JIT, pools): "
        f"after start, {g('KA_WARMUP', '8')}s of keep-alive at the highest concurrency before the "
        f"keep-alive windows, then {g('HS_WARMUP', '5')}s of full handshakes before the handshake "
        f"windows; each window is {g('DURATION', '10')}s after a {g('WARMUP', '2')}s driver "
        "warm-up. Any JIT compilation left shows up as C1/C2 compiler threads in the CPU split. "
        "The handshake warm-up is long because the JVM's C2 compiler is still compiling the "
        "handshake path (certificate parsing and path validation) after 5 s of handshakes: with a "
        "5 s warm-up, C2 threads took about 124 of Portcullis's 549 µs per handshake in the window, "
        "with 20 s about 24 µs (the steady state a long-running sidecar spends its life in). "
        "Order matters to Portcullis's keep-alive figure: after 20 s of handshakes its keep-alive "
        "CPU per request measured about 5-10 % higher (run `results/2026-11-25T174251Z`: 1.12 and "
        "1.19 of nginx's, the JVM's thread split puts the difference in the event-loop threads).",
        f"- Keep-alive: {g('KA_CONNS', '50 200')} connections; req/s, p50 and p99 as the driver "
        "reports them.",
        "- CPU: utime + stime of every process in the proxy's tree (`/proc/PID/stat` fields 14 and "
        "15; the JVM is one process, nginx is master + workers), sampled every 100 ms. The CPU rate "
        "over the driver's measurement window, trimmed by 0.5 s at each end (the window's edges are "
        "known from outside: the driver exits right after it), divided by the driver's req/s "
        "(or handshakes/s) over the window. So connection set-up and warm-up never count.",
        *([f"- ab -k: ApacheBench (`ab -k -c {g('AB_CONNS', '50')} -t {g('AB_DURATION', g('DURATION', '10'))} "
           f"-s {g('AB_TIMEOUT', '5')} -E client.pem`, Debian's apache2-utils, one process, OpenSSL), "
           "an HTTP/1.0 client asking for keep-alive with `Connection: Keep-Alive`, right after the "
           f"keep-alive windows, after an untimed ab run of {g('AB_WARMUP', g('WARMUP', '2'))} s. "
           "ab reuses a connection only when the response carries `Connection: keep-alive` and a "
           "length; otherwise it waits for the close, and gives up after `-s` seconds without a "
           "response. Such a run is reported as failed/timed out instead of figures and the round "
           "goes on. req/s and mean latency (ab's time per request: concurrency × time / "
           "requests) as ab reports them; CPU per request taken as for the keep-alive windows, over "
           "ab's window (from its exit back by its time taken, trimmed by 0.5 s at each end)."]
          if g('AB', '0') == '1' else []),
        f"- Full handshakes: `--mode handshake`, {g('HS_CONNS', '32')} concurrent connections, "
        "one request each, no session offered (the driver checks, resumed fraction 0), "
        f"{g('HS_DURATION', '10')}s window. Resumed handshakes: `--mode resume` (informational; "
        "nginx resumes from its session cache, Portcullis from tickets).",
        f"- RSS growth: snapshot after the handshake runs above (the warm-up) and "
        f"{g('GROWTH_SETTLE', '1')} s idle, then {g('GROWTH_HANDSHAKES', '20000')} more full "
        f"handshakes, {g('GROWTH_SETTLE', '1')} s idle, snapshot again. The idle spells outlast "
        "HotSpot's 5 s sweep of the arena chunks its JIT compiler used and the native heap trim, "
        "so that transient memory is not counted as growth (with a 1 s settle, run "
        "`results/2026-11-25T175831Z` measured +13.2, +2.7 and -2.3 MiB in its three rounds; a "
        "single-process probe with RSS read every second for 8 s after each part stayed flat at "
        "111 MiB).",
        f"- Idle connections: RSS with {g('IDLE_BASE_CONNS', '10')} idle mTLS connections open, "
        f"then with {g('IDLE_CONNS', '2000')} (each connection completed one request first), both "
        "measured 2.5 s after the driver reports READY and while it holds them; per connection = "
        "difference / difference in connections.",
        "- Live Java heap per idle connection (Portcullis only, informational): after the RSS "
        "figures, `jcmd PID GC.class_histogram` (a full GC) with the connections open and again "
        "after they closed; the difference per connection. The JVM's heap (and Netty's pooled "
        "direct memory) is already resident from the load before, so RSS differences show only "
        "the native part (BoringSSL, new arena chunks) of what a connection costs.",
        "- Memory: RSS sum = VmRSS summed over the tree (counts pages shared between nginx's master "
        "and workers once per process, so it overstates nginx's absolute footprint; used the same "
        "way for both); Pss sum = Pss from `/proc/PID/smaps_rollup` summed (each shared page split "
        "between its users, so counted once; but pages shared with other programs, e.g. libjvm "
        "with the driver's JVM or the nginx binary with the upstream nginx, are split with them "
        "too). The per-connection and growth targets use Pss differences: both snapshots of a "
        "difference are taken in the same situation (idle: both while the driver's JVM holds "
        "connections; growth: both with no driver running), so sharing with other programs "
        "cancels, and pages that a second nginx worker maps after the first one (the shared "
        "session cache) are not counted twice as they are in an RSS sum. The base-memory target "
        "uses RSS, as the issue states it (for Portcullis, one process, RSS and Pss differ only "
        "by pages shared with other programs).",
        f"- Base RSS: idle, {g('BASE_SETTLE', '2')} s after the first successful mTLS request, "
        "before any load; also 2 s after it, when Portcullis's JVM may still hold the arenas its "
        "JIT compiler used for start-up code (HotSpot frees cached arena chunks every 5 s; RSS "
        "drops by about 13 MiB then and stays flat).",
        "- Order within a round, per proxy: start, base RSS, keep-alive warm-up and windows, "
        + ("ab -k warm-up and window, " if g('AB', '0') == '1' else "") +
        "handshake warm-up, full handshakes, resumed handshakes, RSS growth, idle connections, stop.",
        *([f"- WebSocket tunnels (after each proxy's HTTP phase, `WS=1`): the proxy started fresh "
           "with the same listener and mTLS but the WebSocket echo upstream (benchmarks' "
           "`EchoUpstream`, Netty, one event loop, plain TCP, started once and shared like the "
           "nginx upstream): `portcullis-ws.yaml` (`upstream.max_connections` raised, since a "
           "tunnel's upstream connection counts against it; websocket.enabled and "
           "websocket.idle_timeout 300s left at their defaults) and `nginx-ws-proxy.conf` (`proxy_http_version 1.1`, "
           "`Upgrade $http_upgrade`, `Connection \"upgrade\"`, `proxy_read_timeout 300s`, "
           f"`proxy_buffer_size {g('NGINX_WS_BUFFER', '4k')}` (nginx relays each direction of a tunnel "
           "through one such buffer; Portcullis reads up to 64 KiB at a time), the same "
           "identity headers). The driver's `ws-*` modes (each tunnel an HTTP/1.1 upgrade to "
           "`/ws`, then one binary message in flight, echoed and compared byte for byte): "
           f"throughput, {g('WS_CONNS', '8')} tunnels of {g('WS_MESSAGE_SIZE', '64KiB')} "
           f"messages, then 1 KiB round trips, {g('WS_RT_CONNS', '50')} tunnels, each window "
           f"{g('WS_DURATION', g('DURATION', '10'))} s after an untimed {g('WS_WARMUP', '5')} s in "
           f"its mode and the driver's {g('WARMUP', '2')} s warm-up; CPU taken as for the "
           "keep-alive windows, per MiB of payload (both directions) and per round trip. Idle "
           f"tunnels: RSS with {g('WS_IDLE_BASE_CONNS', g('IDLE_BASE_CONNS', '10'))} idle tunnels "
           f"held, then with {g('WS_IDLE_CONNS', g('IDLE_CONNS', '2000'))} (each after one 1 KiB "
           "round trip), as for idle connections; per tunnel = difference / difference in "
           "tunnels (a tunnel is the client's TLS connection and the proxy's upstream "
           "connection)."] if g('WS', '0') == '1' else []),
        *([f"- HTTP/2 (`H2=1`, after the other phases): each proxy started fresh with HTTP/2 on its "
           "listener (`portcullis-h2.yaml`: the HTTP config plus `http2.max_concurrent_streams` and "
           "`limits.max_requests_per_connection`; `nginx-h2-proxy.conf`: `proxy.conf` with "
           "`listen ... ssl http2`, `http2_max_concurrent_streams` and `keepalive_requests`, "
           f"{g('H2_MAX_STREAMS', '100')} and {g('H2_MAX_REQUESTS', '100000000')} on both), the same "
           "upstream and pool as the HTTP phase. The driver's `h2` mode (Netty's HTTP/2 codec, "
           "BoringSSL, the client certificate, ALPN `h2` only; each request one HEADERS frame with "
           "END_STREAM, HPACK as any client; streams beyond the server's limit queued in the "
           f"driver): an untimed {g('H2_WARMUP', '20')} s shared by the windows' shapes, in window "
           "order, then one window per "
           f"`H2_LOADS` entry ({g('H2_LOADS', '1x50 1x200 4x13 4x50')}: connections × streams each), "
           f"{g('H2_DURATION', g('DURATION', '10'))} s after the driver's {g('WARMUP', '2')} s warm-up; "
           "latency from the moment a stream's loop issues its request to the end of the response. "
           "CPU taken as for the keep-alive windows. Idle h2 connections: RSS with "
           f"{g('H2_IDLE_BASE_CONNS', g('IDLE_BASE_CONNS', '10'))} held, then with "
           f"{g('H2_IDLE_CONNS', g('IDLE_CONNS', '2000'))}, each after one request, as for idle "
           "connections."
           + (f" Then h2load (`-c N -m M -t 1 -D {g('H2_DURATION', g('DURATION', '10'))} "
              f"--warm-up-time {g('H2_WARMUP', '20')}` for the first of `H2LOAD_LOADS` "
              f"{g('H2LOAD_LOADS', '1x50')}) against each proxy started once more with the client "
              "certificate optional (h2load cannot present one), CPU over its main duration as for "
              "the driver's windows." if g('H2LOAD', '0') == '1' else "")] if g('H2', '0') == '1' else []),
        "- Start-up time: from spawning the process (`bin/portcullis` / `nginx`), polling every 5 ms, "
        + ("to the first successful mTLS request for both (`READY_PROBE=mtls`)."
           if g('READY_PROBE', 'readyz') == 'mtls' else
           "to `/readyz` on the admin port answering 200 for Portcullis (then one mTLS request is "
           "checked to succeed), and to the first successful mTLS request for nginx, which has no "
           "readiness endpoint."),
    ]


def main():
    out_dir = sys.argv[1]
    dest = sys.argv[2] if len(sys.argv) > 2 else os.path.join(out_dir, "RESULTS.md")
    with open(os.path.join(out_dir, "rounds.json")) as f:
        rounds = json.load(f)
    meta = {}
    if os.path.exists(os.path.join(out_dir, "meta.json")):
        with open(os.path.join(out_dir, "meta.json")) as f:
            meta = json.load(f)
    params = meta.get("params", {})
    rows = rounds["rows"]
    conns = [int(c) for c in params.get("KA_CONNS", "50 200").split()]
    ab_conns = [int(c) for c in params.get("AB_CONNS", "50").split()] \
        if params.get("AB", "0") == "1" else []
    by = {}
    for r in rows:
        by.setdefault(r["proxy"], {})[r["round"]] = r

    def series(proxy, key):
        return [r[key] for _, r in sorted(by.get(proxy, {}).items())
                if r.get(key) is not None]

    def error_key(key):  # ab{c}_..., h2load_{load}_...: a failed run records ..._error instead of figures
        if key.startswith("h2load_"):
            return "_".join(key.split("_", 2)[:2]) + "_error"
        return key.split("_", 1)[0] + "_error" if key.startswith("ab") else None

    def failed_rounds(proxy, key):
        ek = error_key(key)
        return [r for _, r in sorted(by.get(proxy, {}).items()) if ek and r.get(ek)]

    def short_failure(text):  # "ab -k: timed out (...)" -> "ab -k: timed out"
        return text.split(" (", 1)[0]

    def compare(key, a, b):
        """median(a), median(b), their ratio and the per-round ratios, with its text."""
        am = statistics.median(series(a, key)) if series(a, key) else None
        bm = statistics.median(series(b, key)) if series(b, key) else None
        ratio = am / bm if am is not None and bm not in (None, 0) else None
        paired = [by[a][k][key] / by[b][k][key]
                  for k in sorted(set(by.get(a, {})) & set(by.get(b, {})))
                  if by[a][k].get(key) is not None and by[b][k].get(key) not in (None, 0)]
        ratio_txt = "n/a" if ratio is None else f"{ratio:.2f}"
        if ratio is not None and len(paired) > 1:
            ratio_txt += f" ({min(paired):.2f}–{max(paired):.2f})"
        return am, bm, ratio, paired, ratio_txt

    def value_cell(proxy, key, scale, d):
        values, failed = series(proxy, key), failed_rounds(proxy, key)
        txt = cell(values, scale, d)
        if failed:
            what = "; ".join(sorted({short_failure(r[error_key(key)]) for r in failed}))
            txt = (f"{what} (rounds {', '.join(str(r['round']) for r in failed)})" if values
                   else f"**{what}**")
        return txt

    def measured(proxy, key):
        return series(proxy, key) or failed_rounds(proxy, key)

    baseline = "baseline" in by
    table, summary, misses, baseline_table = [], {}, [], []
    expanded = []
    for key, label, unit, scale, d, kind, target in ROWS:
        if "{c}" in key:
            expanded += [(key.format(c=c), label.format(c=c), unit, scale, d, kind, target, key)
                         for c in conns]
        elif "{a}" in key:
            expanded += [(key.format(a=c), label.format(a=c), unit, scale, d, kind, target, key)
                         for c in ab_conns]
        else:
            expanded.append((key, label, unit, scale, d, kind, target, key))
    for key, label, unit, scale, d, kind, target, template in expanded:
        label = label.format(idle=params.get("IDLE_CONNS", "2000"),
                             growth=params.get("GROWTH_HANDSHAKES", "20000"),
                             settle=params.get("BASE_SETTLE", "2"))
        unit_txt = f" ({unit})" if unit else ""
        if baseline and template in BASELINE_ROWS and (measured("portcullis", key)
                                                       or measured("baseline", key)):
            _, bm, b_ratio, b_paired, b_ratio_txt = compare(key, "portcullis", "baseline")
            baseline_table.append(f"| {label}{unit_txt} | {value_cell('portcullis', key, scale, d)} | "
                                  f"{value_cell('baseline', key, scale, d)} | {b_ratio_txt} |")
        if not measured("portcullis", key) and not measured("nginx", key):
            continue
        pm, nm, ratio, paired, ratio_txt = compare(key, "portcullis", "nginx")
        p, n = series("portcullis", key), series("nginx", key)
        met, target_txt, met_txt = judge(kind, target, ratio, pm, nm, unit, scale)
        if met is False:
            misses.append(label)
        table.append(f"| {label}{unit_txt} | {value_cell('portcullis', key, scale, d)} | "
                     f"{value_cell('nginx', key, scale, d)} | {ratio_txt} | {target_txt} | {met_txt} |")
        summary[key] = {"portcullis_median": pm, "nginx_median": nm, "ratio": ratio,
                        "paired_ratios": paired, "target": target_txt, "met": met,
                        "portcullis": p, "nginx": n}
        if baseline:
            _, bm, b_ratio, b_paired, _ = compare(key, "portcullis", "baseline")
            summary[key].update({"baseline_median": bm, "ratio_baseline": b_ratio,
                                 "paired_ratios_baseline": b_paired,
                                 "baseline": series("baseline", key)})

    ws_table = []
    ws_labels = {"ws_conns": params.get("WS_CONNS", "8"), "ws_size": params.get("WS_MESSAGE_SIZE", "64KiB"),
                 "ws_rt_conns": params.get("WS_RT_CONNS", "50"),
                 "ws_idle": params.get("WS_IDLE_CONNS", params.get("IDLE_CONNS", "2000"))}
    for key, label, unit, scale, d in WS_ROWS:
        if not any(measured(x, key) for x in ("portcullis", "nginx", "baseline")):
            continue
        label = label.format(**ws_labels)
        pm, nm, ratio, paired, ratio_txt = compare(key, "portcullis", "nginx")
        line = (f"| {label} ({unit}) | {value_cell('portcullis', key, scale, d)} | "
                f"{value_cell('nginx', key, scale, d)} | {ratio_txt} |")
        summary[key] = {"portcullis_median": pm, "nginx_median": nm, "ratio": ratio,
                        "paired_ratios": paired, "portcullis": series("portcullis", key),
                        "nginx": series("nginx", key)}
        if baseline:
            _, bm, b_ratio, b_paired, b_ratio_txt = compare(key, "portcullis", "baseline")
            line += f" {value_cell('baseline', key, scale, d)} | {b_ratio_txt} |"
            summary[key].update({"baseline_median": bm, "ratio_baseline": b_ratio,
                                 "paired_ratios_baseline": b_paired,
                                 "baseline": series("baseline", key)})
        ws_table.append(line)

    h2_table, h2_misses = [], []
    # grouped by window (its req/s, CPU, p50, p99 together), then the idle connections
    h2_expanded = [(key.format(load=load), label.format(desc=desc), unit, scale, d,
                    kind if load == H2_TARGET_LOAD else None, target)
                   for load, desc in h2_loads(params)
                   for key, label, unit, scale, d, kind, target in H2_ROWS if "{load}" in key]
    h2load_loads = h2_loads(params, "H2LOAD_LOADS", "1x50") if params.get("H2LOAD", "0") == "1" else []
    h2_expanded += [(key.format(hload=load), label.format(desc=desc), unit, scale, d,
                     kind if load == H2_TARGET_LOAD else None, target)
                    for load, desc in h2load_loads
                    for key, label, unit, scale, d, kind, target in H2_ROWS if "{hload}" in key]
    h2_expanded += [(key, label.format(h2_idle=params.get("H2_IDLE_CONNS", params.get("IDLE_CONNS", "2000"))),
                     unit, scale, d, kind, target)
                    for key, label, unit, scale, d, kind, target in H2_ROWS
                    if "{load}" not in key and "{hload}" not in key]
    for key, label, unit, scale, d, kind, target in h2_expanded:
        if not any(measured(x, key) for x in ("portcullis", "nginx", "baseline")):
            continue
        pm, nm, ratio, paired, ratio_txt = compare(key, "portcullis", "nginx")
        met, target_txt, met_txt = judge(kind, target, ratio, pm, nm, unit, scale)
        if met is False:
            h2_misses.append(label)
        line = (f"| {label} ({unit}) | {value_cell('portcullis', key, scale, d)} | "
                f"{value_cell('nginx', key, scale, d)} | {ratio_txt} | {target_txt} | {met_txt} |")
        summary[key] = {"portcullis_median": pm, "nginx_median": nm, "ratio": ratio,
                        "paired_ratios": paired, "target": target_txt, "met": met,
                        "portcullis": series("portcullis", key), "nginx": series("nginx", key)}
        if baseline:
            _, bm, b_ratio, b_paired, b_ratio_txt = compare(key, "portcullis", "baseline")
            line += f" {value_cell('baseline', key, scale, d)} | {b_ratio_txt} |"
            summary[key].update({"baseline_median": bm, "ratio_baseline": b_ratio,
                                 "paired_ratios_baseline": b_paired,
                                 "baseline": series("baseline", key)})
        h2_table.append(line)

    with open(os.path.join(out_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)

    # benchmarks/README.md relative to where this file goes (benchmarks/ or results/<run>/)
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    readme_link = os.path.relpath(readme, os.path.dirname(os.path.abspath(dest)))
    L = []
    L.append("# Benchmark results: Portcullis vs nginx")
    L.append("")
    L.append("Generated by `benchmarks/scripts/report.py` from the run in "
             f"`benchmarks/results/{os.path.basename(os.path.normpath(out_dir))}/`. "
             "Do not edit by hand: rerun `benchmarks/run.sh`.")
    L.append("")
    L.append(f"- Date: {meta.get('date', 'n/a')}")
    L.append(f"- Command: `{meta.get('command', 'n/a')}`")
    L.append(f"- Source: {meta.get('git', 'n/a')}; portcullis.jar sha256 "
             f"`{meta.get('jar_sha256', 'n/a')[:16]}…`")
    L.append(f"- Rounds: {params.get('ROUNDS', '?')}, alternating order (round 1: "
             f"{' then '.join(params.get('PROXIES', 'portcullis nginx').split())}; round 2 the "
             "reverse; ...), each proxy started fresh per round; cells are median [min–max] "
             "across rounds.")
    io = sorted({r.get("io_threads") for r in by.get("portcullis", {}).values()} - {None})
    wk = sorted({r.get("workers") for r in by.get("nginx", {}).values()} - {None})
    if io or wk:
        L.append(f"- Observed: Portcullis event-loop threads (`portcullis-io-*`) {io}; nginx "
                 f"workers {wk}.")
    L.append("- Ratio: median(Portcullis) / median(nginx); in parentheses the range of the "
             "per-round ratios (both proxies measured back to back in the same round).")
    if rounds.get("complete") is False:
        L.append("- **Incomplete run**: stopped before all rounds were measured; the table covers "
                 "the phases that finished.")
    if rounds.get("failures"):
        L.append(f"- **Failed phases**: " + "; ".join(
            f"round {x['round']} {x['proxy']}: {x['error']}" for x in rounds["failures"]))
    L.append("")
    if table:
        if misses:
            L.append(f"**Targets missed ({len(misses)})**: " + "; ".join(misses) + ". What was tried "
                     "and measured for them, with profiles: "
                     f"[README.md]({readme_link}#what-was-tried-issue-beat-nginx).")
        else:
            L.append("**All targets met.**")
        L.append("")
        L.append("| Metric | Portcullis | nginx | Ratio P/N | Target | Met? |")
        L.append("|---|---|---|---|---|---|")
        L.extend(table)
        L.append("")
    else:
        only = [x for x, on in (("`WS_ONLY=1`", params.get("WS_ONLY") == "1"),
                                ("`H2_ONLY=1`", params.get("H2_ONLY") == "1")) if on]
        below = [x for x, on in (("the WebSocket tunnels", bool(ws_table)), ("HTTP/2", bool(h2_table))) if on]
        L.append("No HTTP phase in this run" + (f" ({', '.join(only)})" if only else "")
                 + (": only " + " and ".join(below) + " below." if below else "."))
        L.append("")
    if ws_table:
        L.append("## WebSocket tunnels")
        L.append("")
        L.append("Each proxy started fresh for this phase with the WebSocket echo as its upstream "
                 "(`portcullis-ws.yaml`, `nginx-ws-proxy.conf`); after the `101` both relay bytes "
                 "unchanged. CPU per MiB: the proxy's CPU over the throughput window divided by the "
                 "message payload tunnelled, both directions (each echoed message counts twice); "
                 "per round trip: over the 1 KiB window divided by the echoes; memory per idle "
                 "tunnel (TLS connection from the client plus the upstream connection) as for idle "
                 f"connections. How each is taken: [README.md]({readme_link}#websocket-tunnels). "
                 "Ratio: median(Portcullis) / median(nginx); in parentheses the range of the "
                 "per-round ratios.")
        L.append("")
        if baseline:
            L.append("| Metric | Portcullis | nginx | Ratio P/N | baseline | Ratio P/B |")
            L.append("|---|---|---|---|---|---|")
        else:
            L.append("| Metric | Portcullis | nginx | Ratio P/N |")
            L.append("|---|---|---|---|")
        L.extend(ws_table)
        L.append("")

    if h2_table:
        L.append("## HTTP/2")
        L.append("")
        L.append("Each proxy started fresh for this phase with HTTP/2 on its listener (ALPN `h2` then "
                 "`http/1.1`; `portcullis-h2.yaml`, `nginx-h2-proxy.conf` with `listen ... ssl http2`), "
                 "the same mTLS and the same upstream as the HTTP phase, every stream forwarded to it "
                 "as an HTTP/1.1 request over the keep-alive pool. The load driver's `h2` mode (mTLS "
                 "with the client certificate, ALPN `h2` only): N connections × M concurrent streams, "
                 "each stream a closed loop (a GET, the next as soon as its response is complete); "
                 f"both proxies announce SETTINGS_MAX_CONCURRENT_STREAMS {params.get('H2_MAX_STREAMS', '100')} "
                 "and the driver queues streams beyond it, so its latency includes that wait. CPU per "
                 "request as for the keep-alive windows; memory per idle h2 connection as for idle "
                 "connections, each after one request. "
                 + ("The h2load rows: nghttp2's h2load (`-c N -m M`, one thread) against each proxy "
                    "started once more with the client certificate optional (`portcullis-h2load.yaml` "
                    "`client_auth: optional`, `nginx-h2load-proxy.conf` `ssl_verify_client optional`), "
                    "since h2load cannot present one: no certificate is verified and the identity "
                    "headers say only that none was presented; its mean latency as h2load reports it "
                    "(it gives no percentiles). " if h2load_loads else "")
                 + f"How each is taken: [README.md]({readme_link}#http2). Ratio: median(Portcullis) / "
                 "median(nginx); in parentheses the range of the per-round ratios. Targets (the "
                 "performance issue's row, 50 streams on one connection): req/s ≥ 1.2× nginx, CPU per "
                 "request ≤ 0.80×.")
        L.append("")
        if h2_misses:
            L.append(f"**HTTP/2 targets missed ({len(h2_misses)})**: " + "; ".join(h2_misses) + ".")
        else:
            L.append("**HTTP/2 targets met.**")
        L.append("")
        if baseline:
            L.append("| Metric | Portcullis | nginx | Ratio P/N | Target | Met? | baseline | Ratio P/B |")
            L.append("|---|---|---|---|---|---|---|---|")
        else:
            L.append("| Metric | Portcullis | nginx | Ratio P/N | Target | Met? |")
            L.append("|---|---|---|---|---|---|")
        L.extend(h2_table)
        L.append("")
        notes = []
        seen = {}
        for x in ("portcullis", "baseline", "nginx"):
            vals = sorted({r.get("h2_server_max_streams") for r in by.get(x, {}).values()} - {None})
            if vals:
                seen[x] = vals
        if seen:
            notes.append("SETTINGS_MAX_CONCURRENT_STREAMS the driver saw: " + "; ".join(
                f"{'Portcullis' if x == 'portcullis' else x} {', '.join('none' if v < 0 else str(v) for v in vals)}"
                for x, vals in seen.items()) + ".")
        renewals = [f"{r['proxy']} round {r['round']} {load}: {r[f'h2_{load}_goaways']} GOAWAY, "
                    f"{r.get(f'h2_{load}_conns_opened', 0)} connections opened"
                    for r in sorted(rows, key=lambda r: (r["round"], r["proxy"]))
                    for load, _ in h2_loads(params) if r.get(f"h2_{load}_goaways")]
        notes.append("Connections renewed within the windows (a GOAWAY from the proxy after "
                     f"{params.get('H2_MAX_REQUESTS', '100000000')} streams, its idle timeout, ...): "
                     + ("; ".join(renewals) if renewals else "none") + ".")
        opened = []
        for load, _ in h2_loads(params):
            cells = [f"{'Portcullis' if x == 'portcullis' else x} "
                     + "/".join(str(v) for v in series(x, f"h2_{load}_upstream_conns_opened"))
                     for x in ("portcullis", "baseline", "nginx") if series(x, f"h2_{load}_upstream_conns_opened")]
            if cells:
                opened.append(f"{load} " + ", ".join(cells))
        if opened:
            notes.append("Upstream connections each proxy opened during a window's driver run (its "
                         "warm-up included; the upstream's `stub_status` accepts, per round): "
                         + "; ".join(opened) + ". Thousands mean the proxy's idle pool was smaller than "
                         "its requests in flight, so it opened and closed upstream connections.")
        workers = {}
        for r in by.get("nginx", {}).values():
            for load, _ in h2_loads(params):
                used = r.get(f"h2_{load}_cpu_by_thread") or {}
                workers.setdefault(load, set()).add(len([g for g in used if g.startswith("worker")]))
        if workers:
            notes.append("nginx workers that did the work (from the CPU split, per window): " + ", ".join(
                f"{load} {'/'.join(str(n) for n in sorted(ns))}" for load, ns in workers.items())
                + " (one listening socket: the first worker to wake accepts the connections; "
                "`NGINX_REUSEPORT=1` gives each worker its own).")
        h2load_fail = [f"{r['proxy']} round {r['round']} {load}: {r[f'h2load_{load}_error']}"
                       for load, _ in h2load_loads for r in sorted(rows, key=lambda r: (r["round"], r["proxy"]))
                       if r.get(f"h2load_{load}_error")]
        if h2load_fail:
            notes.append("h2load runs that failed (recorded instead of figures; the run went on): "
                         + "; ".join(h2load_fail) + ".")
        L.extend(notes)
        L.append("")

    errors = {r["proxy"] + f" round {r['round']}": r["errors"] for r in rows if r.get("errors")}
    if errors:
        L.append("Driver-reported errors: " + "; ".join(
            f"{k}: " + ", ".join(f"{n} in {run}" for run, n in v.items())
            for k, v in errors.items()))
        L.append("")
    ab_fail = [f"{r['proxy']} round {r['round']}: {r[f'ab{c}_error']}"
               for c in ab_conns for r in sorted(rows, key=lambda r: (r["round"], r["proxy"]))
               if r.get(f"ab{c}_error")]
    if ab_fail:
        L.append("ab -k runs that failed (recorded instead of figures; the run went on): "
                 + "; ".join(ab_fail) + ".")
        L.append("")
    ab_tls = sorted({r.get(f"ab{c}_tls") for c in ab_conns for r in rows} - {None})
    if ab_tls:
        L.append(f"ab negotiated: {', '.join(ab_tls)}.")
        L.append("")
    hs_res = series("portcullis", "hs_resumed_fraction") + series("nginx", "hs_resumed_fraction") \
        + series("baseline", "hs_resumed_fraction")
    if any(v for v in hs_res if v):
        L.append(f"Note: the full-handshake runs reported resumed fractions {hs_res} (expected 0).")
        L.append("")

    if baseline:
        b = meta.get("baseline", {})
        L.append("## Portcullis / baseline")
        L.append("")
        L.append("baseline: an older Portcullis build (`BASELINE_ROOT` "
                 f"`{b.get('root', 'n/a')}`; source {b.get('git', 'n/a')}; portcullis.jar sha256 "
                 f"`{b.get('jar_sha256', 'n/a')[:16]}…`), measured exactly as Portcullis (the same "
                 "config but for its port, its own `bin/portcullis` with its default JVM flags "
                 f"`{b.get('jvm_flags', 'n/a')}`) in the same rounds. Ratio: median(Portcullis) / "
                 "median(baseline); in parentheses the range of the per-round ratios.")
        L.append("")
        L.append("| Metric | Portcullis | baseline | Ratio P/B |")
        L.append("|---|---|---|---|")
        L.extend(baseline_table)
        L.append("")

    L.append("## Per round")
    L.append("")
    http_run = any("ka" + str(c) + "_rps" in r or "hs_cpu_us_per_hs" in r for r in rows for c in conns)
    ws_run = any("ws_mib_per_s" in r or "ws_idle_tunnels" in r for r in rows)
    loads = [load for load, _ in h2_loads(params)]
    h2_run = any(f"h2_{load}_rps" in r for r in rows for load in loads) or any("h2_idle_connections" in r for r in rows)
    keys = ([f"ka{c}_rps" for c in conns] + [f"ka{c}_cpu_us_per_req" for c in conns] +
            [f"ab{c}_{k}" for c in ab_conns for k in ("rps", "cpu_us_per_req")] +
            ["hs_cpu_us_per_hs", "idle_pss_per_conn_kib", "base_rss_kib", "growth_pss_kib"]
            if http_run else []) + \
        (["ws_cpu_ms_per_mib", "ws_rt_cpu_us", "ws_idle_rss_per_tunnel_kib"] if ws_run else []) + \
        ([f"h2_{load}_{k}" for load in loads for k in ("rps", "cpu_us_per_req")] + ["h2_idle_rss_per_conn_kib"]
         + [f"h2load_{load}_{k}" for load, _ in h2load_loads for k in ("rps", "cpu_us_per_req")]
         if h2_run else [])
    other_keys = ([f"ka{c}_other_cores" for c in conns] + ["hs_other_cores"] if http_run else []) + \
        (["ws_other_cores", "ws_rt_other_cores"] if ws_run else []) + \
        ([f"h2_{load}_other_cores" for load in loads] + [f"h2load_{load}_other_cores" for load, _ in h2load_loads]
         if h2_run else [])
    L.append("| Round | Proxy | " + " | ".join(keys) + " | other CPU (cores) |")
    L.append("|---|---|" + "---|" * (len(keys) + 1))
    for r in sorted(rows, key=lambda r: (r["round"], r.get("order", 0), r["proxy"])):
        other_txt = "/".join("n/a" if r.get(k) is None else f"{r[k]:.2f}" for k in other_keys)
        L.append(f"| {r['round']} | {r['proxy']} | " + " | ".join(
            "failed" if r.get(k) is None and error_key(k) and r.get(error_key(k)) else
            fmt(r.get(k), 2 if "per_mib" in k else 0 if "rps" in k or "kib" in k else 1) for k in keys) +
            f" | {other_txt} |")
    L.append("")
    windows = [w for w, on in (("keep-alive and handshake window", http_run),
                               ("tunnel throughput and round-trip window", ws_run),
                               ("HTTP/2 window", h2_run)) if on]
    L.append("\"other CPU\" is the whole machine's busy CPU during each "
             + ", ".join(windows[:-1]) + (" and " if len(windows) > 1 else "") + windows[-1]
             + " minus the proxy, the upstream and the driver (cores, so 2.00 is "
             "the whole machine): work by other users of this shared machine, plus this "
             "script's own sampling (about 0.01–0.02).")
    L.append("")

    L.append("## Where the proxy's CPU goes")
    L.append("")
    L.append("Proxy CPU per request (keep-alive, HTTP/2), per handshake or per 1 KiB round trip in µs, "
             "and per MiB tunnelled in ms, split by JVM thread "
             "(names from `/proc/PID/task/*/comm`, numbers dropped) or by nginx process; "
             "medians across rounds, groups under 1% left out.")
    L.append("")
    split_proxies = ["portcullis"] + (["baseline"] if baseline else []) + ["nginx"]
    L.append("| Measurement | " + " | ".join(
        "Portcullis" if x == "portcullis" else x for x in split_proxies) + " |")
    L.append("|---|" + "---|" * len(split_proxies))
    split_rows = ([(f"ka{c}_cpu_by_thread", f"keep-alive, {c} conns") for c in conns] +
                  [(f"ab{c}_cpu_by_thread", f"ab -k, {c} conns") for c in ab_conns] +
                  [("hs_cpu_by_thread", "full handshake")] if http_run else []) + \
        ([("ws_cpu_by_thread", "tunnel, per MiB (ms)"), ("ws_rt_cpu_by_thread", "tunnel, per 1 KiB round trip")]
         if ws_run else []) + \
        ([(f"h2_{load}_cpu_by_thread", f"HTTP/2, {desc}") for load, desc in h2_loads(params)]
         + [(f"h2load_{load}_cpu_by_thread", f"h2load, {desc}") for load, desc in h2load_loads] if h2_run else [])
    for key, label in split_rows:
        d = 2 if key == "ws_cpu_by_thread" else 1  # ms per MiB: below 1
        cells = []
        for proxy in split_proxies:
            merged = {}
            for r in by.get(proxy, {}).values():
                for g, v in (r.get(key) or {}).items():
                    merged.setdefault(g, []).append(v)
            med = sorted(((statistics.median(v), g) for g, v in merged.items()), reverse=True)
            cells.append(", ".join(f"{g} {v:.{d}f}" if v < 100 else f"{g} {v:.0f}" for v, g in med)
                         or "n/a")
        L.append(f"| {label} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("## How each figure is taken")
    L.append("")
    L.extend(method(params))
    L.append("")
    L.append("## Setup")
    L.append("")
    for k in ("machine", "cpu", "kernel", "memory"):
        if k in meta:
            L.append(f"- {k.capitalize()}: {meta[k]}")
    for k, v in meta.get("versions", {}).items():
        L.append(f"- {k}: {v}")
    L.append(f"- Portcullis JVM flags (bin/portcullis defaults): `{meta.get('jvm_flags', 'n/a')}`")
    L.append(f"- Driver: `{meta.get('driver', 'n/a')}`")
    L.append("- Parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(params.items())))
    L.append("- Configs used (copied into the result directory): `portcullis.yaml`, "
             "`nginx-proxy.conf`, `nginx-upstream.conf`"
             + (", for the tunnels `portcullis-ws.yaml`, `nginx-ws-proxy.conf`"
                if ws_run else "")
             + (", for HTTP/2 `portcullis-h2.yaml`, `nginx-h2-proxy.conf`" if h2_run else "")
             + (" and for h2load `portcullis-h2load.yaml`, `nginx-h2load-proxy.conf`" if h2_run and h2load_loads
                else "") + ".")
    L.append("")
    with open(dest, "w") as f:
        f.write("\n".join(L))
    print(dest)


if __name__ == "__main__":
    main()

/**
 * A closed-loop HTTPS load driver ({@link dev.portcullis.bench.load.LoadDriver}) that measures
 * Portcullis (or nginx) with mTLS keep-alive requests, full handshakes, resumed handshakes, idle
 * connections and WebSocket tunnels (throughput, round trips, idle), on the same Netty and
 * BoringSSL stack the proxy uses.
 */
package dev.portcullis.bench.load;

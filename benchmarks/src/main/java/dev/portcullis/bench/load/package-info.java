/**
 * A closed-loop HTTPS load driver ({@link dev.portcullis.bench.load.LoadDriver}) that measures
 * Portcullis (or nginx) with mTLS keep-alive requests, full handshakes, resumed handshakes, idle
 * connections, WebSocket tunnels (throughput, round trips, idle) and HTTP/2 (N connections of M
 * concurrent streams each, idle h2 connections), on the same Netty and BoringSSL stack the proxy
 * uses.
 */
package dev.portcullis.bench.load;

/**
 * A WebSocket echo upstream ({@link dev.portcullis.bench.echo.EchoUpstream}) for the tunnel
 * benchmark: plain TCP, every text and binary frame sent back as it came.
 */
package dev.portcullis.bench.echo;

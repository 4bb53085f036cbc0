/** Streaming exchanges with the upstream over pooled keep-alive connections, with backpressure both ways. */
package dev.portcullis.core.upstream;

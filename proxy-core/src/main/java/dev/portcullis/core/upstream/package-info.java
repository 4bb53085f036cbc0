/**
 * Forwarding: a frontend ({@code ForwardingFrontendHandler}, on the client's pipeline) and a
 * backend ({@code UpstreamExchange} with {@code ForwardingBackendHandler}, on a pooled upstream
 * connection) per exchange, talking through {@code ResponseReceiver} and each gating its own reads;
 * the pool of keep-alive upstream connections.
 */
package dev.portcullis.core.upstream;

/**
 * JMH microbenchmarks of the per-request and per-connection hot paths, with the real proxy-core
 * code on {@code EmbeddedChannel}s or directly (see benchmarks/README.md for the figures).
 */
package dev.portcullis.bench.jmh;

/**
 * The memory soak ({@code mvn -B verify -Psoak}): the real jar under hundreds of thousands of full
 * mTLS handshakes, its RSS and Netty direct memory sampled and judged against a post-warm-up baseline.
 */
package dev.portcullis.bench.soak;

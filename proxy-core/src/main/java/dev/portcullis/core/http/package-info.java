/**
 * HTTP/1.1 request handling between TLS and the upstream: strict decoding, framing, tokens, header
 * rules, error responses.
 */
package dev.portcullis.core.http;

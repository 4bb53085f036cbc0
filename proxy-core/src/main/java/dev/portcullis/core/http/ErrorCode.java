package dev.portcullis.core.http;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.Locale;

/**
 * The error codes of DESIGN.md: each with its status and a fixed message. Fixed so that nothing a
 * client sent (a header, a URL, a token) can be echoed into an error body.
 */
public enum ErrorCode {
    BAD_REQUEST(HttpResponseStatus.BAD_REQUEST, "the request is malformed"),
    TOKEN_IN_QUERY(HttpResponseStatus.BAD_REQUEST, "credentials must not be sent in the URL"),
    CLIENT_NOT_ALLOWED(HttpResponseStatus.FORBIDDEN, "the client certificate is not allowed"),
    REQUEST_TIMEOUT(HttpResponseStatus.REQUEST_TIMEOUT, "the request did not arrive in time"),
    BODY_TOO_LARGE(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the request body is too large"),
    URI_TOO_LONG(HttpResponseStatus.REQUEST_URI_TOO_LONG, "the request URI is too long"),
    HEADERS_TOO_LARGE(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "the request headers are too large"),
    UPSTREAM_UNAVAILABLE(HttpResponseStatus.BAD_GATEWAY, "the upstream is unavailable"),
    DRAINING(HttpResponseStatus.SERVICE_UNAVAILABLE, "the proxy is shutting down"),
    UPSTREAM_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "the upstream did not answer in time");

    private final HttpResponseStatus status;
    private final String message;
    private final String code;

    ErrorCode(HttpResponseStatus status, String message) {
        this.status = status;
        this.message = message;
        this.code = name().toLowerCase(Locale.ROOT);
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String message() {
        return message;
    }

    /** The value of the JSON body's {@code error} field and of metric labels. */
    public String code() {
        return code;
    }
}

package dev.portcullis.core.http;

import io.netty.handler.codec.DecoderException;

import java.time.Duration;

/**
 * A request head was not complete within {@code limits.request_header_timeout} of its first byte
 * (a slowloris client, or one that stalled). {@link StrictHttpServerCodec} puts it in the failed
 * {@code DecoderResult} of a stand-in request; {@link FramingGuardHandler} answers 408
 * {@code request_timeout} and the connection closes. No stack trace: it is a verdict on the
 * client, not a fault in the proxy.
 */
final class RequestHeaderTimeoutException extends DecoderException {

    RequestHeaderTimeoutException(Duration timeout) {
        super("request head not complete within " + timeout.toMillis() + " ms");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}

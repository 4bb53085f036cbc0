package dev.portcullis.core.http;

import io.netty.handler.codec.DecoderException;

/**
 * A request head held an obs-fold (a field line starting with SP or HTAB), which RFC 9112 §5.2
 * lets a server refuse with 400. {@link StrictHttpServerCodec} puts it in the failed
 * {@code DecoderResult} of the request; {@link FramingGuardHandler} answers {@code bad_request}.
 * No stack trace: it is a verdict on the client's bytes, not a fault in the proxy.
 */
final class ObsFoldException extends DecoderException {

    ObsFoldException() {
        super("obs-fold (a header line starting with whitespace) is not accepted");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}

package dev.portcullis.core.upstream;

import dev.portcullis.core.http.ErrorCode;
import dev.portcullis.core.metrics.UpstreamError;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * What the backend half of an exchange ({@link UpstreamExchange}) tells the frontend
 * ({@link ForwardingFrontendHandler}): the response as it arrives, or how it failed. The
 * frontend answers the other way through {@link UpstreamExchange}'s few methods; neither reaches
 * into the other's channel. Called on the client connection's event loop.
 */
interface ResponseReceiver {

    /** The upstream connection is ready to take the request body. */
    void upstreamReady();

    /** The final response head, already checked; the backend stops reading until it is written. */
    void responseHead(HttpResponse head);

    /**
     * The upstream answered this exchange's WebSocket upgrade with a 101 (already passed to
     * {@link #responseHead}): {@code upstream} is out of its pool and the receiver's to tunnel.
     */
    void responseUpgraded(Channel upstream);

    /** A part of the response body; a {@code LastHttpContent} ends the exchange. */
    void responseContent(HttpContent content);

    /** The upstream's read batch ended: time to flush what was written to the client. */
    void responseReadComplete();

    /** The exchange failed on the upstream side; the backend has already let go of its connection. */
    void responseFailed(ErrorCode error, UpstreamError reason, String what);

    /** The upstream connection's writability changed: the frontend gates its reads on it. */
    void upstreamWritabilityChanged();
}

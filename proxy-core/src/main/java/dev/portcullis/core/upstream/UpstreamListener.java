package dev.portcullis.core.upstream;

import io.netty.handler.codec.http.HttpObject;

/** What an upstream connection's {@link ForwardingBackendHandler} tells the exchange it serves. Called on its event loop. */
interface UpstreamListener {

    void onResponse(HttpObject msg);

    void onResponseReadComplete();

    void onUpstreamWritabilityChanged();

    void onUpstreamClosed();
}

package dev.portcullis.core.upstream;

import dev.portcullis.core.exchange.HttpExchange;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * What a client connection has read but forwarding cannot hand on yet, in arrival order: the
 * body while the upstream connection is being acquired, pipelined exchanges while a response is
 * in flight. Counts the body bytes among them (they are part of the connection's buffered bytes)
 * and the exchanges (a bound on pipelining). The frontend stops reading while anything waits, so
 * what waits is at most one socket read's worth.
 *
 * <p>Confined to the connection's event loop.
 */
final class WaitingMessages {

    private final ArrayDeque<Object> messages = new ArrayDeque<>();
    private long bodyBytes;
    private int exchanges;

    void add(Object msg) {
        if (msg instanceof HttpExchange) {
            exchanges++;
        } else if (msg instanceof HttpContent content) {
            bodyBytes += content.content().readableBytes();
        }
        messages.add(msg);
    }

    Object peek() {
        return messages.peek();
    }

    Object poll() {
        Object msg = messages.poll();
        if (msg instanceof HttpExchange) {
            exchanges--;
        } else if (msg instanceof HttpContent content) {
            bodyBytes -= content.content().readableBytes();
        }
        return msg;
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    long bodyBytes() {
        return bodyBytes;
    }

    int exchanges() {
        return exchanges;
    }

    void releaseAll() {
        for (Object msg; (msg = messages.poll()) != null; ) {
            ReferenceCountUtil.release(msg);
        }
        bodyBytes = 0;
        exchanges = 0;
    }
}

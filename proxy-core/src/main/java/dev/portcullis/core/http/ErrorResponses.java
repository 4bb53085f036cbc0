package dev.portcullis.core.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Builds Portcullis's own error responses: a small JSON body, {@code Content-Type:
 * application/json}, never a stack trace or anything the client sent.
 * {@code {"error":"body_too_large","message":"the request body is too large"}}. Framing and
 * {@code Connection} are set where the response is written, for the client's version
 * ({@link Http1ResponseFraming}).
 */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    /**
     * @param parameter an extra {@code "parameter"} field (a configured token name, never a value),
     *                  or null
     */
    public static FullHttpResponse of(ByteBufAllocator alloc, ErrorCode error, String parameter) {
        StringBuilder json = new StringBuilder(96)
                .append("{\"error\":\"").append(error.code())
                .append("\",\"message\":\"").append(error.message()).append('"');
        if (parameter != null) {
            Json.appendString(json.append(",\"parameter\":"), parameter);
        }
        json.append("}\n");
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, error.status(),
                ByteBufUtil.writeUtf8(alloc, json));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }
}

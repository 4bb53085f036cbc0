package dev.portcullis.core.http;

import dev.portcullis.config.TokensConfig.OnQueryToken;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * DESIGN.md step 4: a request whose query carries a credential ({@link QueryTokens}) is refused
 * with 400 {@code token_in_query} naming the parameter, or has the parameter stripped before it
 * goes on, so that no token reaches the upstream's URL and from there its access log.
 *
 * <p>A refusal takes the request's place as a {@link RejectedRequest}, and the rest of what the
 * connection sends is dropped, as the framing guard does. Sits after the allow-list, before
 * {@code 100-continue} is answered, so a refused upload is never invited. Per connection.
 */
public final class QueryTokenHandler extends ChannelInboundHandlerAdapter {

    private final QueryTokens tokens;
    private final OnQueryToken action;
    private boolean rejected;

    public QueryTokenHandler(QueryTokens tokens, OnQueryToken action) {
        this.tokens = tokens;
        this.action = action;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            String uri = request.uri();
            if (action == OnQueryToken.STRIP) {
                request.setUri(tokens.strip(uri));
            } else {
                String parameter = tokens.find(uri);
                if (parameter != null) {
                    rejected = true;
                    ReferenceCountUtil.release(msg);
                    ctx.fireChannelRead(new RejectedRequest(ErrorCode.TOKEN_IN_QUERY, parameter));
                    return;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }
}

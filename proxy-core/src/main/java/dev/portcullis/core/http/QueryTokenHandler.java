package dev.portcullis.core.http;

import dev.portcullis.config.TokensConfig.OnQueryToken;
import dev.portcullis.core.exchange.HttpExchange;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;

/**
 * DESIGN.md step 4: a request whose query carries a credential ({@link QueryTokens}) is rejected
 * with 400 {@code token_in_query} naming the parameter, or has the parameter stripped before it
 * goes on, so that no token reaches the upstream's URL and from there its access log.
 *
 * <p>Sits after the allow-list; forwarding answers a rejected request before inviting its body
 * with {@code 100 Continue}. Stateless and shared.
 */
@Sharable
public final class QueryTokenHandler extends ChannelInboundHandlerAdapter {

    private final QueryTokens tokens;
    private final OnQueryToken action;

    public QueryTokenHandler(QueryTokens tokens, OnQueryToken action) {
        this.tokens = tokens;
        this.action = action;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpExchange exchange && !exchange.isRejected()) {
            HttpRequest request = exchange.request();
            if (action == OnQueryToken.STRIP) {
                request.setUri(tokens.strip(request.uri()));
            } else {
                String parameter = tokens.find(request.uri());
                if (parameter != null) {
                    exchange.reject(ErrorCode.TOKEN_IN_QUERY, parameter);
                }
            }
        }
        ctx.fireChannelRead(msg);
    }
}

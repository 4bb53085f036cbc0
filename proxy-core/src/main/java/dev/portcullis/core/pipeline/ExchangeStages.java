package dev.portcullis.core.pipeline;

import dev.portcullis.config.ProxyConfig;
import dev.portcullis.core.connection.ConnectionContext;
import dev.portcullis.core.exchange.ExchangeStartHandler;
import dev.portcullis.core.exchange.HttpExchange;
import dev.portcullis.core.http.AllowListHandler;
import dev.portcullis.core.http.FramingGuardHandler;
import dev.portcullis.core.http.IdentityHeadersHandler;
import dev.portcullis.core.http.QueryTokenHandler;
import dev.portcullis.core.http.QueryTokens;
import dev.portcullis.core.http.RequestHeaderRules;
import dev.portcullis.core.upstream.ClientSide;
import dev.portcullis.core.upstream.ConnectionUpgrade;
import dev.portcullis.core.upstream.ExchangeSettings;
import dev.portcullis.core.upstream.ForwardingFrontendHandler;
import dev.portcullis.core.upstream.UpstreamConnections;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpVersion;

import java.util.function.Consumer;

/**
 * The exchange stages, from the exchange object to forwarding, written once for every protocol:
 * the HTTP/1.1 pipeline installs them behind its codec, and each HTTP/2 stream will install them
 * behind its frame codec (as Zuul's {@code Http2OrHttpHandler} and {@code Http2StreamInitializer}
 * share one handler list). Every stage reads the {@link ConnectionContext}, never a channel
 * attribute. Built once from the config; {@link #forConnection} makes one connection's handlers.
 */
final class ExchangeStages {

    /** What an HTTP/2 stream's exchange says it spoke: its request is decoded as HTTP/1.1. */
    static final HttpVersion HTTP_2 = new HttpVersion("HTTP", 2, 0, true);

    private final ProxyConfig config;
    private final RequestHeaderRules headerRules;
    private final QueryTokenHandler queryTokens;
    private final ExchangeSettings settings;

    ExchangeStages(ProxyConfig config, ExchangeSettings settings) {
        this.config = config;
        this.headerRules = new RequestHeaderRules(config.identity(), config.tokens());
        this.queryTokens = config.tokens().queryParams().isEmpty() ? null
                : new QueryTokenHandler(new QueryTokens(config.tokens().queryParams()), config.tokens().onQueryToken());
        this.settings = settings;
    }

    /**
     * One connection's (or stream's) exchange stages, forwarding over {@code pool}; {@code upgrade}
     * turns the connection into a WebSocket tunnel when {@code websocket.enabled} lets a request ask.
     */
    Unit forConnection(ConnectionContext connection, UpstreamConnections pool, ConnectionUpgrade upgrade) {
        return new Unit(connection, new ExchangeStartHandler(connection.stats(), config.websocket().enabled(), null),
                new ForwardingFrontendHandler(pool, settings, connection, upgrade, ClientSide.HTTP1));
    }

    /** One HTTP/2 stream's exchange stages: one exchange, spoken as HTTP/2.0, never upgraded. */
    Unit forStream(ConnectionContext connection, UpstreamConnections pool) {
        return new Unit(connection, new ExchangeStartHandler(connection.stats(), false, HTTP_2),
                new ForwardingFrontendHandler(pool, settings, connection, ConnectionUpgrade.NONE, ClientSide.HTTP2_STREAM));
    }

    /** The stages of one pipeline, in data order; {@link #answering} tells the codec which exchange a response answers. */
    final class Unit implements Consumer<ChannelPipeline> {

        private final ConnectionContext connection;
        private final ExchangeStartHandler start;
        private final ForwardingFrontendHandler forwarding;

        private Unit(ConnectionContext connection, ExchangeStartHandler start, ForwardingFrontendHandler forwarding) {
            this.connection = connection;
            this.start = start;
            this.forwarding = forwarding;
        }

        HttpExchange answering() {
            return forwarding.answering();
        }

        /**
         * Framing and limits before anything else looks at a request, then the allow-list and
         * query tokens, then the headers the upstream will believe; forwarding answers each
         * exchange, refused ones included, in order.
         */
        @Override
        public void accept(ChannelPipeline pipeline) {
            pipeline.addLast(PipelineNames.EXCHANGE_START, start);
            pipeline.addLast(PipelineNames.FRAMING_GUARD, new FramingGuardHandler(
                    config.limits().maxUriSize().toIntExact(), config.limits().maxBodySize().bytes()));
            pipeline.addLast(PipelineNames.ALLOW_LIST, new AllowListHandler(connection));
            if (queryTokens != null) {
                pipeline.addLast(PipelineNames.QUERY_TOKENS, queryTokens);
            }
            pipeline.addLast(PipelineNames.IDENTITY_HEADERS, new IdentityHeadersHandler(headerRules, connection));
            pipeline.addLast(PipelineNames.FORWARDING, forwarding);
        }
    }
}

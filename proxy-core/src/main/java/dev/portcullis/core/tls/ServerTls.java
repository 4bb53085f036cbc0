package dev.portcullis.core.tls;

import io.netty.handler.ssl.SslContext;

import static java.util.Objects.requireNonNull;

/**
 * One loaded generation of TLS material: the server context and what is derived from the server
 * certificate once, rather than per connection.
 *
 * @param serverUriSan the server certificate's first URI SAN (XFCC's {@code By=}), or null
 */
public record ServerTls(SslContext context, String serverUriSan) {

    public ServerTls {
        requireNonNull(context, "context");
    }
}

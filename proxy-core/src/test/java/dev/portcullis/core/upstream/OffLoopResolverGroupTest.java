package dev.portcullis.core.upstream;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolver;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class OffLoopResolverGroupTest {

    private final EventLoop loop = new DefaultEventLoop(new DefaultThreadFactory("test-loop"));
    private final List<String> lookupThreads = new CopyOnWriteArrayList<>();
    private final OffLoopResolverGroup group = new OffLoopResolverGroup(host -> {
        lookupThreads.add(Thread.currentThread().getName());
        return InetAddress.getAllByName(host);
    });

    @AfterEach
    void stopLoop() {
        group.close();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aNameIsLookedUpOnTheDnsThreadNotOnTheEventLoop() throws Exception {
        Future<InetSocketAddress> resolved = resolveOnLoop(group, InetSocketAddress.createUnresolved("localhost", 8000));

        assertThat(resolved.await(10, TimeUnit.SECONDS)).as("the lookup must complete the promise").isTrue();
        assertThat(resolved.getNow()).isNotNull();
        assertThat(resolved.getNow().getAddress().isLoopbackAddress()).isTrue();
        assertThat(resolved.getNow().getPort()).isEqualTo(8000);
        assertThat(lookupThreads)
                .as("a blocking lookup on the event loop would stall every connection on that loop")
                .containsExactly(OffLoopResolverGroup.THREAD_NAME);
    }

    @Test
    void anIpLiteralResolvesAtOnceWithoutALookup() throws Exception {
        for (String literal : List.of("127.0.0.1", "::1")) {
            Future<InetSocketAddress> resolved = resolveOnLoop(group, InetSocketAddress.createUnresolved(literal, 8000));

            assertThat(resolved.isSuccess()).as("%s needs no lookup, so the promise is done on return", literal).isTrue();
            assertThat(resolved.getNow().getAddress()).isEqualTo(InetAddress.getByName(literal));
        }
        assertThat(lookupThreads).as("IP literals must not queue behind a slow lookup").isEmpty();
    }

    @Test
    void anUnknownHostFailsThePromiseWithUnknownHostException() throws Exception {
        OffLoopResolverGroup real = new OffLoopResolverGroup();
        try {
            // .invalid never resolves (RFC 6761 §6.4)
            Future<InetSocketAddress> resolved =
                    resolveOnLoop(real, InetSocketAddress.createUnresolved("no-such-host.invalid", 8000));

            assertThat(resolved.await(30, TimeUnit.SECONDS)).as("a failed lookup must still complete the promise").isTrue();
            assertThat(resolved.cause())
                    .as("the pool reports a connect failure (502) with the lookup's own exception")
                    .isInstanceOf(UnknownHostException.class);
        } finally {
            real.close();
        }
    }

    /** Asks for the address from the loop itself, as {@code Bootstrap.connect} does; returns the loop's future. */
    private Future<InetSocketAddress> resolveOnLoop(OffLoopResolverGroup resolvers, InetSocketAddress address)
            throws Exception {
        return loop.submit(() -> {
            AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(loop);
            return resolver.resolve(address);
        }).get(10, TimeUnit.SECONDS);
    }
}

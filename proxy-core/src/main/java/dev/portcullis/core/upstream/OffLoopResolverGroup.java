package dev.portcullis.core.upstream;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Resolves the upstream host for {@code Bootstrap.connect} without blocking an event loop.
 * Netty's default resolver calls {@link InetAddress#getByName} on the loop that connects, and a
 * slow DNS server would then stall every client connection on that loop. Here the blocking
 * lookup runs on one shared daemon thread, {@value #THREAD_NAME}, which completes the Netty
 * promise from there (the promise notifies its listeners back on the loop). An IP literal, the
 * usual upstream, resolves at once on the caller's thread and never touches that thread.
 *
 * <p>The JDK's own address cache ({@code networkaddress.cache.ttl}) still applies, so a name is
 * looked up again only when its entry expires. Only {@link InetSocketAddress}es are handled;
 * {@code Bootstrap} connects any other address (a Unix domain socket) without resolving it.
 *
 * <p>Stateless apart from the shared executor, whose thread starts on the first lookup and ends
 * after a minute without one; resolvers are built per event loop by {@link AddressResolverGroup}.
 */
final class OffLoopResolverGroup extends AddressResolverGroup<InetSocketAddress> {

    static final String THREAD_NAME = "portcullis-dns";

    /** One lookup at a time: all of them are for the one upstream host. */
    private static final ExecutorService LOOKUPS = lookupExecutor();

    private final Lookup lookup;

    OffLoopResolverGroup() {
        this(InetAddress::getAllByName);
    }

    /** @param lookup the blocking lookup, run on {@value #THREAD_NAME}; replaced only by tests */
    OffLoopResolverGroup(Lookup lookup) {
        this.lookup = requireNonNull(lookup, "lookup");
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new OffLoopNameResolver(executor, lookup).asAddressResolver();
    }

    /** A blocking name lookup, such as {@link InetAddress#getAllByName}. */
    @FunctionalInterface
    interface Lookup {
        InetAddress[] allByName(String host) throws UnknownHostException;
    }

    private static ExecutorService lookupExecutor() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, THREAD_NAME);
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    private static final class OffLoopNameResolver extends InetNameResolver {

        private final Lookup lookup;

        OffLoopNameResolver(EventExecutor executor, Lookup lookup) {
            super(executor);
            this.lookup = lookup;
        }

        @Override
        protected void doResolve(String host, Promise<InetAddress> promise) {
            InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
            if (literal != null) {
                promise.setSuccess(literal);
                return;
            }
            LOOKUPS.execute(() -> {
                try {
                    promise.trySuccess(lookup.allByName(host)[0]);
                } catch (UnknownHostException | RuntimeException e) {
                    promise.tryFailure(e);
                }
            });
        }

        @Override
        protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
            InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
            if (literal != null) {
                promise.setSuccess(List.of(literal));
                return;
            }
            LOOKUPS.execute(() -> {
                try {
                    promise.trySuccess(List.of(lookup.allByName(host)));
                } catch (UnknownHostException | RuntimeException e) {
                    promise.tryFailure(e);
                }
            });
        }
    }
}

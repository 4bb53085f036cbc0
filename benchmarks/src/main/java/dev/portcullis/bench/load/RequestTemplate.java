package dev.portcullis.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * The pre-encoded request, written as-is on every request, so that no request is encoded twice.
 *
 * <p>The bytes live in one direct buffer (BoringSSL reads direct memory without a copy), wrapped
 * unreleasable: {@link #next()} hands out a duplicate with its own reader index, which the
 * SslHandler can consume and "release" on any event loop while the shared memory stays intact.
 * The buffer comes from an allocator without leak tracking, because it lives for the whole run
 * by design; {@link #close()} frees it once the event loops have stopped.
 */
final class RequestTemplate implements AutoCloseable {

    private static final UnpooledByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(true, true);

    private final ByteBuf memory;
    private final ByteBuf shared;

    RequestTemplate(byte[] request) {
        memory = UNTRACKED.directBuffer(request.length, request.length).writeBytes(request);
        shared = Unpooled.unreleasableBuffer(memory);
    }

    /** A view of the request for one write; the writer may release it (a no-op). */
    ByteBuf next() {
        return shared.duplicate();
    }

    int length() {
        return memory.readableBytes();
    }

    @Override
    public void close() {
        memory.release();
    }
}

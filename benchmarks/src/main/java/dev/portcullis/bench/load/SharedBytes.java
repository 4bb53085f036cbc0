package dev.portcullis.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Bytes every connection writes as they are, over and over: the pre-encoded request (HTTP modes)
 * or a WebSocket message's payload, so that nothing is encoded or filled twice.
 *
 * <p>The bytes live in one direct buffer (BoringSSL reads direct memory without a copy), wrapped
 * unreleasable: {@link #next()} hands out a duplicate with its own reader index, which the
 * SslHandler (or the WebSocket frame encoder) can consume and "release" on any event loop while
 * the shared memory stays intact. The buffer comes from an allocator without leak tracking,
 * because it lives for the whole run by design; {@link #close()} frees it once the event loops
 * have stopped.
 */
final class SharedBytes implements AutoCloseable {

    private static final UnpooledByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(true, true);

    private final ByteBuf memory;
    private final ByteBuf shared;

    SharedBytes(byte[] bytes) {
        memory = UNTRACKED.directBuffer(bytes.length, bytes.length).writeBytes(bytes);
        shared = Unpooled.unreleasableBuffer(memory);
    }

    /** A view of the bytes for one write; the writer may release it (a no-op). */
    ByteBuf next() {
        return shared.duplicate();
    }

    /** A read-only view for comparisons (an echo against what was sent). */
    ByteBuf view() {
        return shared;
    }

    int length() {
        return memory.readableBytes();
    }

    @Override
    public void close() {
        memory.release();
    }
}

package dev.portcullis.bench.load;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The driver's socket transport: native epoll where it loads (as the proxy uses), NIO elsewhere.
 *
 * @param name for the run's header line
 */
record ClientTransport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends SocketChannel> socketChannel) {

    static ClientTransport best() {
        if (Epoll.isAvailable()) {
            return new ClientTransport("epoll", EpollIoHandler.newFactory(), EpollSocketChannel.class);
        }
        return new ClientTransport("nio", NioIoHandler.newFactory(), NioSocketChannel.class);
    }
}

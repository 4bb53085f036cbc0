package dev.portcullis.testing;

import dev.portcullis.core.ProxyServer;
import dev.portcullis.core.connection.ConnectionSnapshot;

/** Samples the heaviest connection's peak buffered bytes while a transfer runs. */
public final class BufferSampler implements Runnable {

    private final ProxyServer server;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peak;

    private BufferSampler(ProxyServer server) {
        this.server = server;
        this.thread = new Thread(this, "buffer-sampler");
    }

    public static BufferSampler start(ProxyServer server) {
        BufferSampler sampler = new BufferSampler(server);
        sampler.thread.start();
        return sampler;
    }

    @Override
    public void run() {
        while (running) {
            sample();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        for (ConnectionSnapshot connection : server.connections().heaviest(1)) {
            peak = Math.max(peak, Math.max(connection.peakBufferedBytes(), connection.bufferedBytes()));
        }
    }

    public long stop() throws InterruptedException {
        running = false;
        thread.join();
        sample();
        return peak;
    }
}

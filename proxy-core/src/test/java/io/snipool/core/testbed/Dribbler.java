package io.snipool.core.testbed;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A slowloris client's pen: writes the bytes one at a time, the first at once and then one per period, on its own
 * thread, until all are written, a write fails (the peer closed) or it is closed.
 */
public final class Dribbler implements AutoCloseable {

    /** Where each byte goes: the client socket's write. */
    public interface Sink {
        void write(byte[] oneByte) throws IOException;
    }

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger sent = new AtomicInteger();

    private Dribbler(byte[] bytes, Duration period, Sink sink) {
        timer.scheduleAtFixedRate(() -> {
            int next = sent.get();
            if (next < bytes.length) {
                try {
                    sink.write(new byte[] {bytes[next]});
                    sent.incrementAndGet();
                } catch (IOException closed) {
                    throw new IllegalStateException("closed"); // ends the schedule
                }
            }
        }, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    public static Dribbler start(byte[] bytes, Duration period, Sink sink) {
        return new Dribbler(bytes, period, sink);
    }

    /** Bytes written so far. */
    public int sent() {
        return sent.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

package io.snipool.core.http;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A keep-alive backend with its own short idle timeout, checked the way servers check it: by a coarse timer that
 * closes connections idle for longer than the timeout, and, for a request that arrives after the deadline but
 * before the timer ran, by closing without an answer, as if the timer had won the race. The second case is the
 * stale-connection race a pool must absorb; the first makes the pool see FINs on idle connections.
 */
final class IdleClosingBackend implements AutoCloseable {

    /** One connection's state, shared by its thread and the timer. */
    private static final class State {
        long idleSinceNanos = System.nanoTime();
        boolean busy;
        boolean closed;
    }

    private final Duration idleTimeout;
    private final Map<RawBackend.Connection, State> states = new ConcurrentHashMap<>();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger closedOnArrival = new AtomicInteger();
    private final AtomicInteger closedByTimer = new AtomicInteger();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "idle-closing-backend-timer");
        thread.setDaemon(true);
        return thread;
    });
    private final RawBackend backend;

    /** @param timerPeriod how often the timer looks for idle connections (coarser than the timeout) */
    IdleClosingBackend(Duration idleTimeout, Duration timerPeriod) throws IOException {
        this.idleTimeout = idleTimeout;
        this.backend = new RawBackend(this::serve);
        timer.scheduleAtFixedRate(this::closeIdle, timerPeriod.toMillis(), timerPeriod.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    RawBackend backend() {
        return backend;
    }

    int answered() {
        return answered.get();
    }

    int closedOnArrival() {
        return closedOnArrival.get();
    }

    int closedByTimer() {
        return closedByTimer.get();
    }

    private void serve(RawBackend.Connection connection) throws IOException {
        State state = new State();
        states.put(connection, state);
        try {
            while (true) {
                int first = connection.read();
                synchronized (state) {
                    if (first < 0 || state.closed) {
                        return;
                    }
                    state.busy = true;
                    if (System.nanoTime() - state.idleSinceNanos >= idleTimeout.toNanos()) {
                        state.closed = true;
                        closedOnArrival.incrementAndGet();
                        return; // closed with the request unread: the proxy gets a FIN or a reset, no response
                    }
                }
                boolean[] pending = {true};
                HttpWire.Request request = HttpWire.readRequest(() -> {
                    if (pending[0]) {
                        pending[0] = false;
                        return first;
                    }
                    return connection.read();
                });
                String body = "answer " + answered.incrementAndGet() + " to " + request.target();
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                synchronized (state) {
                    state.busy = false;
                    state.idleSinceNanos = System.nanoTime();
                }
            }
        } finally {
            states.remove(connection);
        }
    }

    private void closeIdle() {
        long now = System.nanoTime();
        states.forEach((connection, state) -> {
            synchronized (state) {
                if (!state.busy && !state.closed && now - state.idleSinceNanos >= idleTimeout.toNanos()) {
                    state.closed = true;
                    closedByTimer.incrementAndGet();
                    try {
                        connection.socket.close();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }
        });
    }

    @Override
    public void close() throws Exception {
        timer.shutdownNow();
        timer.awaitTermination(5, TimeUnit.SECONDS);
        backend.close();
    }
}

package io.snipool.core.http;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A keep-alive backend with its own short idle timeout, checked the way servers check it: by a coarse timer that
 * closes connections idle for longer than the timeout, and, for a request that arrives after the deadline but
 * before the timer ran, by closing without an answer, as if the timer had won the race. Like a real server's, the
 * idle timeout starts once a connection has answered its first request. The second case is the
 * stale-connection race a pool must absorb; the first makes the pool see FINs on idle connections. The timeout is
 * fixed, or drawn anew for each idle period of each connection (a backend closing idle connections at random).
 */
final class IdleClosingBackend implements AutoCloseable {

    /** One connection's state, shared by its thread and the timer. */
    private static final class State {
        long idleSinceNanos = System.nanoTime();
        long idleTimeoutNanos;
        boolean busy;
        boolean closed;
    }

    private final Duration minIdleTimeout;
    private final Duration maxIdleTimeout;
    private final Random random;
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
        this(idleTimeout, idleTimeout, timerPeriod, 0);
    }

    /**
     * Each idle period of each connection gets a timeout drawn uniformly from {@code minIdleTimeout} to
     * {@code maxIdleTimeout}, from a generator seeded with {@code seed}.
     */
    IdleClosingBackend(Duration minIdleTimeout, Duration maxIdleTimeout, Duration timerPeriod, long seed)
            throws IOException {
        this.minIdleTimeout = minIdleTimeout;
        this.maxIdleTimeout = maxIdleTimeout;
        this.random = new Random(seed);
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

    /** The timeout of the idle period starting now. */
    private long nextIdleTimeoutNanos() {
        long spread = maxIdleTimeout.toNanos() - minIdleTimeout.toNanos();
        if (spread == 0) {
            return minIdleTimeout.toNanos();
        }
        synchronized (random) {
            return minIdleTimeout.toNanos() + (long) (random.nextDouble() * spread);
        }
    }

    private void serve(RawBackend.Connection connection) throws IOException {
        State state = new State();
        // A server's keep-alive timeout runs between requests; a new connection waits for its first request under a
        // header timeout of many seconds (nginx: client_header_timeout 60s). Drawing the idle timeout for it as well
        // closed brand-new connections before their first request: a failure of a fresh connection, which the proxy
        // rightly does not replay, so the "never fail a request" tests failed under load.
        state.idleTimeoutNanos = Long.MAX_VALUE;
        states.put(connection, state);
        try {
            while (true) {
                int first = connection.read();
                synchronized (state) {
                    if (first < 0 || state.closed) {
                        return;
                    }
                    state.busy = true;
                    if (System.nanoTime() - state.idleSinceNanos >= state.idleTimeoutNanos) {
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
                    state.idleTimeoutNanos = nextIdleTimeoutNanos();
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
                if (!state.busy && !state.closed && now - state.idleSinceNanos >= state.idleTimeoutNanos) {
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

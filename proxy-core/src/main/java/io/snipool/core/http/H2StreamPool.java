package io.snipool.core.http;

import io.netty.handler.codec.http2.Http2StreamChannel;
import io.snipool.config.PoolSettings;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.pool.Cancellable;
import io.snipool.core.pool.ConnectionPool;
import io.snipool.core.pool.EvictionReason;
import io.snipool.core.pool.Lease;
import io.snipool.core.pool.LeaseCallback;
import io.snipool.core.pool.LeaseFailure;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Leases HTTP/2 streams: per backend key, the connections that carry streams now, each up to
 * {@code max_streams_per_connection} lowered by the backend's SETTINGS_MAX_CONCURRENT_STREAMS. A lease takes a free
 * stream on one of them (a hit) or waits for a connection from the generic {@link ConnectionPool} (an idle one: a
 * hit; a connect: a miss), which this pool holds as one lease for as long as the connection carries a stream and
 * hands back when it carries none: the generic pool's idle timeout, lifetime, caps and prewarming then apply to the
 * connection unchanged. One instance per event loop, used only from that loop, like the generic pool.
 */
final class H2StreamPool {

    private final ConnectionPool<BackendKey, H2Connection> connections;
    private final PoolMeters<BackendKey> meters;
    private final Map<BackendKey, KeyStreams> keys = new HashMap<>();

    H2StreamPool(ConnectionPool<BackendKey, H2Connection> connections, PoolMeters<BackendKey> meters) {
        this.connections = connections;
        this.meters = meters;
    }

    ConnectionPool<BackendKey, H2Connection> connections() {
        return connections;
    }

    /**
     * A stream to {@code key}; with {@code fresh}, on a connection opened for it (a replay after a broken one).
     * The answer may come before this returns.
     */
    Cancellable lease(BackendKey key, PoolSettings settings, LeaseCallback<BackendConnection> callback,
                      boolean fresh) {
        KeyStreams streams = keys.computeIfAbsent(key, KeyStreams::new);
        streams.settings = settings;
        Waiter waiter = new Waiter(callback);
        if (!fresh) {
            H2Connection free = streams.withRoom();
            if (free != null) {
                meters.onHit(key);
                streams.open(free, waiter, true);
                return Cancellable.NONE;
            }
        }
        if (fresh) {
            streams.connect(waiter);
        } else {
            streams.waiters.add(waiter);
            streams.connectForWaiters();
        }
        return () -> streams.cancel(waiter);
    }

    /**
     * The connections the keys {@code which} accepts hold now take no new stream, and close with {@code reason} when
     * their last stream ends (a lease of the key after this, which lifts the generic pool's retirement, gets a new
     * connection).
     */
    void retire(java.util.function.Predicate<BackendKey> which, EvictionReason reason) {
        keys.forEach((key, streams) -> {
            if (which.test(key)) {
                streams.held.forEach(connection -> connection.retire(reason));
            }
        });
    }

    /** Streams open now per key, for {@code /api/pools}. Call on the pool's loop. */
    Map<BackendKey, Integer> activeStreams() {
        Map<BackendKey, Integer> counts = new HashMap<>();
        keys.forEach((key, streams) -> counts.put(key, streams.activeStreams()));
        return counts;
    }

    /** One lease request that waits for a stream. */
    private static final class Waiter {
        final LeaseCallback<BackendConnection> callback;
        boolean answered;

        Waiter(LeaseCallback<BackendConnection> callback) {
            this.callback = callback;
        }
    }

    /** One key's connections that carry streams, the leases waiting for a stream, and the connects under way. */
    private final class KeyStreams {
        final BackendKey key;
        PoolSettings settings;
        final List<H2Connection> held = new ArrayList<>();
        /** Waiting for a stream on any connection, in order; a fresh waiter waits on its own connection lease. */
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
        /** Connection leases under way for any waiter; each is expected to bring {@link #expected} streams. */
        int connecting;
        /** Connection leases under way for one fresh waiter each. */
        int connectingFresh;
        /** How many streams a new connection is expected to carry: the last one's capacity. */
        int expected;

        KeyStreams(BackendKey key) {
            this.key = key;
        }

        PoolMeters<BackendKey> meters() {
            return meters;
        }

        int capacity(H2Connection connection) {
            return connection.capacity(settings.maxStreamsPerConnection());
        }

        /**
         * A held connection that may take another stream: open, no GOAWAY, below its capacity, its stream budget
         * ({@code max_requests_per_connection}) and its lifetime.
         */
        boolean takesStreams(H2Connection connection) {
            return connection.takesStreams() && connection.activeStreams() < capacity(connection)
                    && connection.streamsOpened() < settings.maxRequestsPerConnection()
                    && connection.lease().age().compareTo(settings.maxLifetime()) < 0;
        }

        H2Connection withRoom() {
            for (H2Connection connection : held) {
                if (takesStreams(connection)) {
                    return connection;
                }
            }
            return null;
        }

        int activeStreams() {
            int active = 0;
            for (H2Connection connection : held) {
                active += connection.activeStreams();
            }
            return active;
        }

        int sharedWaiters() {
            return waiters.size();
        }

        /** Leases connections until those under way are expected to carry every waiter. */
        void connectForWaiters() {
            int perConnection = Math.max(1, expected > 0 ? expected : settings.maxStreamsPerConnection());
            while ((long) connecting * perConnection < sharedWaiters()) {
                connect(null);
            }
        }

        /**
         * One connection lease: for {@code owner} alone, a new connection (a replay after a broken one), or, with
         * none, for whichever waiters are first.
         */
        void connect(Waiter owner) {
            if (owner == null) {
                connecting++;
            } else {
                connectingFresh++;
            }
            connections.lease(key, settings, new LeaseCallback<>() {
                @Override
                public void leased(Lease<H2Connection> lease) {
                    if (owner == null) {
                        connecting--;
                    } else {
                        connectingFresh--;
                    }
                    arrived(lease, owner);
                }

                @Override
                public void failed(LeaseFailure failure) {
                    if (owner == null) {
                        connecting--;
                        failUncovered(failure);
                    } else {
                        connectingFresh--;
                        if (!owner.answered) {
                            answerFailure(owner, failure);
                        }
                    }
                    forgetIfUnused();
                }
            }, owner != null);
        }

        /** A connection came: its streams go to {@code owner} first, then to the waiters in order. */
        void arrived(Lease<H2Connection> lease, Waiter owner) {
            H2Connection connection = lease.connection();
            connection.held(lease);
            held.add(connection);
            expected = capacity(connection);
            boolean first = true;
            if (owner != null && !owner.answered) {
                open(connection, owner, lease.reused());
                first = false;
            }
            while (!waiters.isEmpty() && takesStreams(connection)) {
                Waiter waiter = waiters.poll();
                if (!first) {
                    // The generic pool counted the connection's lease; every further stream on it is counted here.
                    if (lease.reused()) {
                        meters.onHit(key);
                    } else {
                        meters.onMiss(key);
                    }
                }
                first = false;
                open(connection, waiter, lease.reused());
            }
            if (connection.activeStreams() > 0) {
                connectForWaiters();
            } else if (sharedWaiters() > 0) {
                // It came for these waiters and could carry none (closed, GOAWAY, or the backend allows no stream
                // now): closed rather than recycled, or the next lease would take it straight back, without end.
                held.remove(connection);
                connection.released();
                lease.close(connection.isOpen() ? EvictionReason.NOT_REUSABLE : EvictionReason.CLOSED_BY_PEER);
                failUncovered(new LeaseFailure(LeaseFailure.Kind.CONNECT_FAILED, key.label()
                        + ": the new HTTP/2 connection could carry no stream (closed, GOAWAY, or the backend's"
                        + " SETTINGS_MAX_CONCURRENT_STREAMS is 0)", null));
            } else {
                release(connection);
            }
        }

        /** The waiters beyond what the connects under way can carry get {@code failure}, the newest first. */
        void failUncovered(LeaseFailure failure) {
            int perConnection = Math.max(1, expected > 0 ? expected : settings.maxStreamsPerConnection());
            while (sharedWaiters() > (long) connecting * perConnection) {
                answerFailure(waiters.pollLast(), failure);
            }
        }

        void cancel(Waiter waiter) {
            if (!waiter.answered) {
                waiter.answered = true;
                waiters.remove(waiter);
                forgetIfUnused();
            }
        }

        /** Keys come from client input (backend templates): one that holds and awaits nothing is dropped. */
        void forgetIfUnused() {
            if (held.isEmpty() && waiters.isEmpty() && connecting == 0 && connectingFresh == 0) {
                keys.remove(key, this);
            }
        }

        /** Opens a stream on {@code connection} for {@code waiter}, and answers it. */
        void open(H2Connection connection, Waiter waiter, boolean reused) {
            waiter.answered = true;
            connection.openStream().addListener(future -> {
                if (future.isSuccess()) {
                    H2Stream stream = connection.installStream((Http2StreamChannel) future.getNow());
                    meters.streamsChanged(key, 1);
                    waiter.callback.leased(new StreamLease(this, connection, stream, reused));
                } else {
                    streamEnded(connection);
                    waiter.callback.failed(new LeaseFailure(LeaseFailure.Kind.CONNECT_FAILED, key.label()
                            + ": cannot open an HTTP/2 stream: " + future.cause().getMessage(), future.cause()));
                }
            });
        }

        /** A stream's lease ended: its slot goes to a waiter, or the connection, carrying none, goes back. */
        void streamEnded(H2Connection connection) {
            connection.streamEnded();
            if (takesStreams(connection) && !waiters.isEmpty()) {
                meters.onHit(key);
                open(connection, waiters.poll(), true);
                return;
            }
            if (connection.activeStreams() == 0) {
                release(connection);
            }
        }

        /** The connection carries no stream: back to the generic pool, or closed if it may take no more. */
        private void release(H2Connection connection) {
            held.remove(connection);
            Lease<H2Connection> lease = connection.lease();
            connection.released();
            if (connection.retired() != null) {
                lease.close(connection.retired());
            } else if (!connection.isOpen()) {
                lease.close(EvictionReason.CLOSED_BY_PEER);
            } else if (connection.streamsOpened() >= settings.maxRequestsPerConnection()) {
                lease.close(EvictionReason.MAX_REQUESTS);
            } else {
                lease.recycle(); // the generic pool applies max_lifetime, the idle caps and idle_timeout
            }
            forgetIfUnused();
        }
    }

    private static void answerFailure(Waiter waiter, LeaseFailure failure) {
        waiter.answered = true;
        waiter.callback.failed(failure);
    }

    /** A lease of one stream: ending it ends the stream (RST_STREAM CANCEL if unfinished), never the connection. */
    private static final class StreamLease implements Lease<BackendConnection> {
        private final KeyStreams streams;
        private final H2Connection connection;
        private final H2Stream stream;
        private final boolean reused;
        private final long requestCount;
        /** The connection's lease, which the connection may give up before this stream's lease ends is asked. */
        private final Lease<H2Connection> connectionLease;
        private boolean ended;

        StreamLease(KeyStreams streams, H2Connection connection, H2Stream stream, boolean reused) {
            this.streams = streams;
            this.connection = connection;
            this.connectionLease = connection.lease();
            this.stream = stream;
            this.reused = reused;
            this.requestCount = connection.streamsOpened();
        }

        @Override
        public BackendConnection connection() {
            if (ended) {
                throw new IllegalStateException("the stream's lease has ended");
            }
            return stream;
        }

        @Override
        public boolean reused() {
            return reused;
        }

        @Override
        public long requestCount() {
            return requestCount;
        }

        @Override
        public Duration age() {
            return connectionLease.age();
        }

        @Override
        public void recycle() {
            end();
        }

        @Override
        public void recycle(Duration backendKeepAlive) {
            end(); // HTTP/2 has no Keep-Alive header (RFC 9113 §8.2.2)
        }

        @Override
        public void close(EvictionReason reason) {
            end();
        }

        private void end() {
            if (ended) {
                throw new IllegalStateException("the stream's lease has already ended");
            }
            ended = true;
            streams.meters().streamsChanged(streams.key, -1);
            stream.end();
            streams.streamEnded(connection);
        }
    }
}

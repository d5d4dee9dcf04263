package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.snipool.config.BackendProtocol;
import io.snipool.config.HostPort;
import io.snipool.config.PoolSettings;
import io.snipool.core.metrics.PoolEvents;
import io.snipool.core.metrics.PoolMeters;
import io.snipool.core.pool.ConnectCallback;
import io.snipool.core.pool.ConnectionPool;
import io.snipool.core.pool.IdleBudget;
import io.snipool.core.pool.Lease;
import io.snipool.core.pool.LeaseCallback;
import io.snipool.core.pool.LeaseFailure;
import io.snipool.core.pool.ManualScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link H2StreamPool} over a generic pool whose connects the test completes, each with an HTTP/2 connection on an
 * {@link EmbeddedChannel} that the test feeds the backend's frames: how many connections a number of leases asks
 * for, who gets a freed stream, and what a GOAWAY changes. No sockets, no timing.
 */
class H2StreamPoolTest {

    private static final BackendKey KEY = new BackendKey(new HostPort("10.0.0.1", 80), false, false,
            Optional.empty(), BackendProtocol.H2C);

    private final List<ConnectCallback<H2Connection>> connects = new ArrayList<>();
    private final PoolMeters<BackendKey> meters = new PoolMeters<>(new SimpleMeterRegistry(), BackendKey::label, 100,
            new PoolEvents(16));
    private final H2StreamPool pool = new H2StreamPool(new ConnectionPool<>(
            (key, settings, callback) -> connects.add(callback), new ManualScheduler(), new IdleBudget(100),
            meters, new Random(1)), meters);

    /** The backend's first frame: SETTINGS with SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §6.5.2, id 0x3). */
    private static byte[] settings(int maxConcurrentStreams) {
        return new byte[] {0, 0, 6, 0x4, 0, 0, 0, 0, 0, 0, 0x3, (byte) (maxConcurrentStreams >>> 24),
            (byte) (maxConcurrentStreams >>> 16), (byte) (maxConcurrentStreams >>> 8), (byte) maxConcurrentStreams};
    }

    /** GOAWAY NO_ERROR whose last stream id is 0: nothing of ours was processed. */
    private static final byte[] GOAWAY = {0, 0, 8, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    /** Completes the oldest pending connect with a connection whose backend allows {@code streams} at once. */
    private EmbeddedChannel connect(int streams) {
        EmbeddedChannel channel = new EmbeddedChannel();
        ConnectCallback<H2Connection> callback = connects.remove(0);
        H2Connection.install(channel, KEY, 16384, new H2Connection.Ready() {
            @Override
            public void ready(H2Connection connection) {
                callback.connected(connection);
            }

            @Override
            public void closedBeforeSettings() {
                throw new AssertionError("closed before SETTINGS");
            }
        });
        channel.writeInbound(Unpooled.wrappedBuffer(settings(streams)));
        return channel;
    }

    private static PoolSettings maxStreams(int streams) {
        PoolSettings d = PoolSettings.defaults();
        return new PoolSettings(d.enabled(), d.maxIdlePerHost(), d.maxIdleTotal(), d.maxConnectionsPerHost(),
                d.maxPendingPerHost(), d.idleTimeout(), d.maxLifetime(), d.lifetimeJitter(),
                d.maxRequestsPerConnection(), d.minIdlePerHost(), d.prewarmRate(), d.connectTimeout(),
                d.minIdleForAge(), d.adaptive(), d.tcpKeepAlive(), streams);
    }

    /** Records each lease's answer. */
    private static final class Answers implements LeaseCallback<BackendConnection> {
        final List<Lease<BackendConnection>> leases = new ArrayList<>();
        final List<LeaseFailure> failures = new ArrayList<>();

        @Override
        public void leased(Lease<BackendConnection> lease) {
            leases.add(lease);
        }

        @Override
        public void failed(LeaseFailure failure) {
            failures.add(failure);
        }
    }

    @Test
    void waitingLeasesAskForOneConnectionPerConfiguredStreamsAndShareIt() {
        Answers answers = new Answers();
        for (int i = 0; i < 5; i++) {
            pool.lease(KEY, maxStreams(2), answers, false);
        }
        assertThat(connects).as("five waiters, two streams a connection").hasSize(3);

        connect(100);
        assertThat(answers.leases).hasSize(2);
        assertThat(answers.leases).extracting(Lease::reused).containsExactly(false, false);
        connect(100);
        connect(100);
        assertThat(answers.leases).hasSize(5);
        assertThat(pool.activeStreams()).containsEntry(KEY, 5);
    }

    @Test
    void theBackendsLimitLowersTheCapacityAndMoreConnectionsAreAskedFor() {
        Answers answers = new Answers();
        for (int i = 0; i < 4; i++) {
            pool.lease(KEY, maxStreams(100), answers, false);
        }
        assertThat(connects).hasSize(1);

        connect(1);
        assertThat(answers.leases).hasSize(1);
        assertThat(connects).as("the next connections are expected to carry one stream each").hasSize(3);
    }

    @Test
    void aStreamThatEndsGoesToTheNextWaiterOnTheSameConnection() {
        Answers answers = new Answers();
        pool.lease(KEY, maxStreams(1), answers, false);
        connect(100);
        pool.lease(KEY, maxStreams(1), answers, false);
        assertThat(connects).as("the second waiter asked for a connection").hasSize(1);

        answers.leases.get(0).recycle();

        assertThat(answers.leases).hasSize(2);
        assertThat(answers.leases.get(1).reused()).isTrue();
        assertThat(meters.totals(KEY.label()).hits()).isEqualTo(1);
    }

    @Test
    void afterAGoAwayTheConnectionTakesNoNewStreamAndClosesWithItsLast() {
        Answers answers = new Answers();
        pool.lease(KEY, maxStreams(10), answers, false);
        EmbeddedChannel channel = connect(100);

        channel.writeInbound(Unpooled.wrappedBuffer(GOAWAY));
        pool.lease(KEY, maxStreams(10), answers, false);
        assertThat(connects).as("a new connection for the next stream").hasSize(1);

        answers.leases.get(0).recycle();
        assertThat(channel.isOpen()).as("closed with its last stream").isFalse();
    }
}

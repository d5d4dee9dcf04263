package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioChannelOption;
import io.snipool.config.HostPort;
import io.snipool.config.PoolSettings;
import io.snipool.config.TcpKeepAlive;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.metrics.BackendTlsMeters;
import io.snipool.core.pool.ConnectCallback;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code pool.tcp_keepalive} reaches the socket of a pooled backend connection: read back from the channel's config
 * with the options of the transport the suite runs on (io_uring by default, {@code -Ptest-epoll}, {@code -Ptest-nio}).
 */
@ExtendWith(VertxExtension.class)
class PooledSocketKeepAliveTest {

    private NetServer backend;
    private EventLoop loop;
    private HttpBackendConnector connector;

    @BeforeEach
    void startBackend(Vertx vertx) {
        backend = Await.result(vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1"));
        VertxInternal internal = (VertxInternal) vertx;
        loop = internal.nettyEventLoopGroup().next();
        Duration budget = Duration.ofSeconds(5);
        TargetConnector target = new TargetConnector(loop, internal.transport().channelFactory(false),
                (host, on, callback) -> callback.failed(new UnknownHostException(host)), budget);
        connector = new HttpBackendConnector(new BackendTransport(target, budget,
                new BackendTlsMeters(new SimpleMeterRegistry(), 10), new BackendTlsLog()), 16 * 1024);
    }

    @AfterEach
    void stopBackend() {
        Await.result(backend.close());
    }

    private Channel connect(TcpKeepAlive keepAlive) {
        PoolSettings defaults = PoolSettings.defaults();
        PoolSettings settings = new PoolSettings(defaults.enabled(), defaults.maxIdlePerHost(),
                defaults.maxIdleTotal(), defaults.maxConnectionsPerHost(), defaults.maxPendingPerHost(),
                defaults.idleTimeout(), defaults.maxLifetime(), defaults.lifetimeJitter(),
                defaults.maxRequestsPerConnection(), defaults.minIdlePerHost(), defaults.prewarmRate(),
                defaults.connectTimeout(), defaults.minIdleForAge(), defaults.adaptive(), keepAlive);
        BackendKey key = new BackendKey(new HostPort("127.0.0.1", backend.actualPort()), false, false);
        CompletableFuture<Http1Connection> connected = new CompletableFuture<>();
        loop.execute(() -> connector.connect(key, settings, new ConnectCallback<>() {
            @Override
            public void connected(Http1Connection connection) {
                connected.complete(connection);
            }

            @Override
            public void failed(Throwable cause) {
                connected.completeExceptionally(cause);
            }
        }));
        return connected.orTimeout(Await.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join().channel();
    }

    /** SO_KEEPALIVE and the three timers as the transport under test reads them back. */
    private static List<Object> readBack(Channel channel) {
        ChannelConfig config = channel.config();
        String transport = System.getProperty("test.transport");
        String channelPackage = channel.getClass().getPackageName();
        Object keepAlive = config.getOption(ChannelOption.SO_KEEPALIVE);
        if (transport.equals("io_uring") && channelPackage.equals("io.netty.channel.uring")) {
            return List.of(keepAlive,
                    config.getOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPIDLE),
                    config.getOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPINTVL),
                    config.getOption(io.netty.channel.uring.IoUringChannelOption.TCP_KEEPCNT));
        }
        if (transport.equals("epoll")) {
            assertThat(channelPackage).isEqualTo("io.netty.channel.epoll");
            return List.of(keepAlive,
                    config.getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPIDLE),
                    config.getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPINTVL),
                    config.getOption(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPCNT));
        }
        // NIO: asked for, or where the kernel does not allow io_uring (TransportUnderTestTest says which).
        assertThat(channelPackage).isEqualTo("io.netty.channel.socket.nio");
        return List.of(keepAlive,
                config.getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE)),
                config.getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL)),
                config.getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT)));
    }

    @Test
    void theConfiguredTimersAreSetOnTheSocket() {
        Channel channel = connect(new TcpKeepAlive(true, Duration.ofSeconds(7), Duration.ofSeconds(3), 5));

        assertThat(readBack(channel)).containsExactly(true, 7, 3, 5);
        channel.close();
    }

    @Test
    void theDefaultsAreSetOnTheSocket() {
        Channel channel = connect(TcpKeepAlive.defaults());

        assertThat(readBack(channel)).containsExactly(true, 60, 10, 3);
        // TargetConnector leaves TCP_NODELAY to the channel, which every Netty transport enables when made.
        assertThat(channel.config().getOption(ChannelOption.TCP_NODELAY)).isTrue();
        channel.close();
    }

    @Test
    void theLargestValuesTheKernelAllowsAreSet() {
        Channel channel = connect(new TcpKeepAlive(true, TcpKeepAlive.MAX_TIMER, TcpKeepAlive.MAX_TIMER,
                TcpKeepAlive.MAX_COUNT));

        assertThat(readBack(channel)).containsExactly(true, 32_767, 32_767, 127);
        channel.close();
    }

    @Test
    void disabledTurnsProbesOff() {
        Channel channel = connect(new TcpKeepAlive(false, Duration.ofSeconds(7), Duration.ofSeconds(3), 5));

        assertThat(channel.config().getOption(ChannelOption.SO_KEEPALIVE)).isFalse();
        channel.close();
    }
}

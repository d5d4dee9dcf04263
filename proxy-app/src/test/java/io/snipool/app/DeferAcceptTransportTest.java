package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.net.TcpConfig;
import io.vertx.core.transport.Transport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code timeouts.defer_accept}: the option reaches the kernel's listening socket, and only where it can. */
class DeferAcceptTransportTest {

    /** The native transports this machine loads (the jar ships both for Linux x86-64; io_uring needs the kernel's leave). */
    private static List<Transport> nativeTransports() {
        List<Transport> loaded = new ArrayList<>();
        for (Transport transport : List.of(Transport.IO_URING, Transport.EPOLL)) {
            if (transport.available()) {
                loaded.add(transport);
            }
        }
        assertThat(loaded).as("epoll at least loads on Linux x86-64").isNotEmpty();
        return loaded;
    }

    @Test
    void listeningSocketsOfANativeTransportHaveTcpDeferAcceptAsTheKernelReportsIt() throws Exception {
        for (Transport transport : nativeTransports()) {
            Transport wrapped = DeferAcceptTransport.of(transport, 3);
            assertThat(wrapped.name()).isEqualTo(transport.name());
            io.vertx.core.spi.transport.Transport implementation = wrapped.implementation();
            ServerBootstrap bootstrap = new ServerBootstrap();
            implementation.configure(new TcpConfig(), false, bootstrap);
            ChannelOption<Integer> option = DeferAcceptTransport.deferOption(transport).orElseThrow();
            assertThat(bootstrap.config().options()).as(transport.name()).containsEntry(option, 3);

            EventLoopGroup group = implementation.eventLoopGroup(
                    io.vertx.core.spi.transport.Transport.ACCEPTOR_EVENT_LOOP_GROUP, 1,
                    new DefaultThreadFactory("defer-accept-test"), 50);
            try {
                Channel server = bootstrap.group(group, group)
                        .channelFactory(implementation.serverChannelFactory(false))
                        .childHandler(new ChannelInboundHandlerAdapter())
                        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                // getsockopt on the bound socket: what the kernel keeps (it counts in SYN-ACK retransmissions and
                // reports the seconds those cover, at least what was asked for).
                assertThat(server.config().getOption(option)).as(transport.name()).isGreaterThanOrEqualTo(3);
                server.close().sync();
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    @Test
    void clientBootstrapsAreUntouched() {
        for (Transport transport : nativeTransports()) {
            io.netty.bootstrap.Bootstrap client = new io.netty.bootstrap.Bootstrap();
            DeferAcceptTransport.of(transport, 1).implementation().configure(new TcpConfig(), false, client);
            assertThat(client.config().options()).doesNotContainKey(DeferAcceptTransport.deferOption(transport)
                    .orElseThrow());
        }
    }

    @Test
    void zeroSecondsAndNioLeaveTheTransportAsItIs() {
        for (Transport transport : nativeTransports()) {
            assertThat(DeferAcceptTransport.of(transport, 0)).isSameAs(transport);
        }
        assertThat(DeferAcceptTransport.of(Transport.NIO, 1)).as("the JDK exposes no TCP_DEFER_ACCEPT")
                .isSameAs(Transport.NIO);
        assertThat(DeferAcceptTransport.deferOption(Transport.NIO)).isEmpty();
    }
}

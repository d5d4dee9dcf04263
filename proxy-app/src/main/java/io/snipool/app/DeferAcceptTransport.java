package io.snipool.app;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.net.TcpConfig;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;

/**
 * A native transport whose listening sockets have {@code TCP_DEFER_ACCEPT} (tcp(7)): the kernel hands a new
 * connection over only once its first bytes have come, or once the given time has passed. Every protocol snipool
 * serves speaks first from the client (a ClientHello, a request head, a PROXY header), so an accepted connection
 * can be read at once: one wake-up of the event loop per new connection instead of two (accept, then the first
 * read), and connections that never send anything cost no connection slot until the time is up. Client
 * connections (to backends, checks) are untouched. Everything else is the wrapped transport's.
 */
final class DeferAcceptTransport implements io.vertx.core.transport.Transport {

    private final io.vertx.core.transport.Transport wrapped;
    private final io.vertx.core.spi.transport.Transport implementation;

    private DeferAcceptTransport(io.vertx.core.transport.Transport wrapped, ChannelOption<Integer> option,
                                 int seconds) {
        this.wrapped = wrapped;
        this.implementation = new Implementation(wrapped.implementation(), option, seconds);
    }

    /**
     * {@code transport} with {@code TCP_DEFER_ACCEPT} of {@code seconds} on its listening sockets; the transport
     * itself when {@code seconds} is 0, or when it has no such option (NIO: the JDK does not expose it).
     */
    static io.vertx.core.transport.Transport of(io.vertx.core.transport.Transport transport, int seconds) {
        return deferOption(transport).filter(option -> seconds > 0)
                .<io.vertx.core.transport.Transport>map(option -> new DeferAcceptTransport(transport, option, seconds))
                .orElse(transport);
    }

    /** The native option of {@code transport}, loaded only for its own transport (the other's classes may be absent). */
    static Optional<ChannelOption<Integer>> deferOption(io.vertx.core.transport.Transport transport) {
        // By name: TransportChoice builds its own instances, not Vert.x's constants.
        if (transport.name().equals("io_uring")) {
            return Optional.of(io.netty.channel.uring.IoUringChannelOption.TCP_DEFER_ACCEPT);
        }
        if (transport.name().equals("epoll")) {
            return Optional.of(io.netty.channel.epoll.EpollChannelOption.TCP_DEFER_ACCEPT);
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return wrapped.name();
    }

    @Override
    public boolean available() {
        return wrapped.available();
    }

    @Override
    public Throwable unavailabilityCause() {
        return wrapped.unavailabilityCause();
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
        return implementation;
    }

    /** The wrapped implementation, with the option added to every server bootstrap of a TCP socket. */
    private static final class Implementation implements io.vertx.core.spi.transport.Transport {

        private final io.vertx.core.spi.transport.Transport delegate;
        private final ChannelOption<Integer> option;
        private final int seconds;

        Implementation(io.vertx.core.spi.transport.Transport delegate, ChannelOption<Integer> option, int seconds) {
            this.delegate = delegate;
            this.option = option;
            this.seconds = seconds;
        }

        @Override
        public void configure(TcpConfig config, boolean domainSocket, ServerBootstrap bootstrap) {
            delegate.configure(config, domainSocket, bootstrap);
            if (!domainSocket) {
                bootstrap.option(option, seconds);
            }
        }

        @Override
        public void configure(TcpConfig config, boolean domainSocket, Bootstrap bootstrap) {
            delegate.configure(config, domainSocket, bootstrap);
        }

        @Override
        public void configure(DatagramChannel channel, DatagramSocketOptions options) {
            delegate.configure(channel, options);
        }

        @Override
        public boolean supportsDomainSockets() {
            return delegate.supportsDomainSockets();
        }

        @Override
        public boolean supportFileRegion() {
            return delegate.supportFileRegion();
        }

        @Override
        public boolean isAvailable() {
            return delegate.isAvailable();
        }

        @Override
        public Throwable unavailabilityCause() {
            return delegate.unavailabilityCause();
        }

        @Override
        public SocketAddress convert(io.vertx.core.net.SocketAddress address) {
            return delegate.convert(address);
        }

        @Override
        public io.vertx.core.net.SocketAddress convert(SocketAddress address) {
            return delegate.convert(address);
        }

        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return delegate.ioHandlerFactory();
        }

        @Override
        public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory threadFactory, int ioRatio) {
            return delegate.eventLoopGroup(type, threads, threadFactory, ioRatio);
        }

        @Override
        public DatagramChannel datagramChannel(InternetProtocolFamily family) {
            return delegate.datagramChannel(family);
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
            return delegate.datagramChannelFactory();
        }

        @Override
        public ChannelFactory<? extends io.netty.channel.Channel> channelFactory(boolean domainSocket) {
            return delegate.channelFactory(domainSocket);
        }

        @Override
        public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
            return delegate.serverChannelFactory(domainSocket);
        }
    }
}

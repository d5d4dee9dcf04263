package io.snipool.core.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.Dials;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The repair is for the epoll transport alone: a channel of another transport gets nothing in its pipeline. On
 * epoll ({@code -Ptest-epoll}, which CI runs) a socket Netty dropped from epoll is watched again when it next reads,
 * and a backend connect that a closed connection's stale event closed is tried once more ({@code TargetConnector});
 * the half-closed case is exercised end to end by HalfClosedBulkTest and HalfClosedLargeResponseTest. (TlsTunnelTest's
 * churn meets real stale events too, but only about once in 60,000 connections.)
 */
@ExtendWith(VertxExtension.class)
class EpollRegistrationRepairTest {

    /** Linux's {@code EPOLLRDHUP}: the interest every epoll stream channel starts with. */
    private static final int EPOLLRDHUP = 0x2000;
    private static final byte[] GREETING = "still here".getBytes(StandardCharsets.US_ASCII);

    @Test
    void aChannelOfAnotherTransportIsLeftAsItIs() {
        EmbeddedChannel channel = new EmbeddedChannel();
        EpollRegistrationRepair.install(channel);
        assertThat(channel.pipeline().get(EpollRegistrationRepair.HANDLER_NAME)).isNull();
        channel.finishAndReleaseAll();
    }

    /**
     * A connected channel that has read nothing yet loses its last interest, {@code EPOLLRDHUP}, as a closed
     * connection's stale event makes it lose it: Netty takes the socket out of epoll. Its next read must still get
     * the peer's bytes; without the repair Netty's {@code EPOLL_CTL_MOD} fails with ENOENT and closes the channel.
     */
    @Test
    void aSocketNettyTookOutOfEpollIsWatchedAgainWhenItNextReads(Vertx vertx) throws Exception {
        VertxInternal internal = (VertxInternal) vertx;
        EventLoop loop = internal.nettyEventLoopGroup().next();
        TargetConnector connector = new TargetConnector(loop, internal.transport().channelFactory(false),
                (host, on, callback) -> callback.failed(new UnknownHostException(host)), Duration.ofSeconds(5));
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listening.setSoTimeout(5_000);
            Channel channel = connect(loop, connector, listening.getLocalPort());
            if (ChannelTransport.of(channel) != ChannelTransport.EPOLL) {
                channel.close();
                assumeTrue(false, "an epoll channel (-Ptest-epoll)");
            }
            CompletableFuture<String> received = new CompletableFuture<>();
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf bytes = (ByteBuf) msg;
                    received.complete(bytes.toString(StandardCharsets.US_ASCII));
                    bytes.release();
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    received.completeExceptionally(new IOException("closed before reading"));
                }
            });
            try (Socket peer = listening.accept()) {
                MethodHandle clearFlag = clearFlag(channel);
                CompletableFuture<Void> dropped = new CompletableFuture<>();
                loop.execute(() -> {
                    try {
                        clearFlag.invoke(channel, EPOLLRDHUP);
                        dropped.complete(null);
                    } catch (Throwable e) {
                        dropped.completeExceptionally(e);
                    }
                });
                dropped.get(5, TimeUnit.SECONDS);
                assertThat(interestSet(channel)).as("the interest set once EPOLLRDHUP is cleared").isZero();
                peer.getOutputStream().write(GREETING);
                loop.execute(channel::read);
                assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo("still here");
                assertThat(channel.isActive()).isTrue();
            } finally {
                channel.close().sync();
            }
        }
    }

    /**
     * A closed connection's stale {@code EPOLLRDHUP} handed to a channel still connecting makes Netty close it; the
     * connector tries once more on a new socket instead of failing the dial. The listener's accept queue is kept full
     * so that the connects wait (the kernel drops their SYNs until the test accepts); the event is delivered as
     * Netty's own handler does, by calling {@code epollRdHupReady()} on the channel's unsafe.
     */
    @Test
    void aConnectClosedByAStaleEventIsTriedOnceMore(Vertx vertx) throws Exception {
        VertxInternal internal = (VertxInternal) vertx;
        EventLoop loop = internal.nettyEventLoopGroup().next();
        ChannelFactory<? extends Channel> channels = internal.transport().channelFactory(false);
        List<Channel> made = new CopyOnWriteArrayList<>();
        TargetConnector connector = new TargetConnector(loop, () -> {
            Channel channel = channels.newChannel();
            made.add(channel);
            return channel;
        }, (host, on, callback) -> callback.failed(new UnknownHostException(host)), Duration.ofSeconds(10));
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listening.setSoTimeout(5_000);
            // The queue of a backlog of 1 holds two connections; the third one's SYN is dropped, and its connect
            // times out here (a second is far more than a connect on loopback takes).
            for (boolean full = false; !full; ) {
                Socket socket = new Socket();
                try {
                    socket.connect(listening.getLocalSocketAddress(), 1_000);
                    queued.add(socket);
                } catch (SocketTimeoutException dropped) {
                    socket.close();
                    full = true;
                }
            }
            CompletableFuture<Channel> connected = Dials.start(loop, connector, listening.getLocalPort(), channel -> { });
            Await.until("the connect started", made::size, size -> size == 1);
            Channel first = made.get(0);
            if (ChannelTransport.of(first) != ChannelTransport.EPOLL) {
                first.close();
                assumeTrue(false, "an epoll channel (-Ptest-epoll)");
            }
            assertThat(first.isActive()).as("the connect waits while the accept queue is full").isFalse();
            MethodHandle rdHupReady = rdHupReady(first);
            loop.execute(() -> {
                try {
                    rdHupReady.invoke(first.unsafe());
                } catch (Throwable e) {
                    connected.completeExceptionally(e);
                }
            });
            assertThat(first.closeFuture().await(5, TimeUnit.SECONDS)).as("closed by the event").isTrue();
            Await.until("a second connect", made::size, size -> size == 2);
            for (int i = 0; i < queued.size(); i++) {
                listening.accept().close();
            }
            Channel channel = connected.get(10, TimeUnit.SECONDS);
            assertThat(channel).isSameAs(made.get(1));
            assertThat(channel.isActive()).isTrue();
            channel.close().sync();
        } finally {
            for (Socket socket : queued) {
                socket.close();
            }
        }
    }

    /** Netty's {@code AbstractEpollUnsafe.epollRdHupReady()}: what its loop calls for an {@code EPOLLRDHUP}. */
    private static MethodHandle rdHupReady(Channel channel) throws ReflectiveOperationException {
        Class<?> unsafe = Class.forName("io.netty.channel.epoll.AbstractEpollChannel$AbstractEpollUnsafe");
        return MethodHandles.privateLookupIn(unsafe, MethodHandles.lookup())
                .findVirtual(unsafe, "epollRdHupReady", MethodType.methodType(void.class))
                .asType(MethodType.methodType(void.class, Channel.Unsafe.class));
    }

    /** Netty's {@code AbstractEpollChannel.ops}: the interest set last submitted, as its bits. */
    private static int interestSet(Channel channel) throws Exception {
        Class<?> epollChannel = Class.forName("io.netty.channel.epoll.AbstractEpollChannel");
        Field field = epollChannel.getDeclaredField("ops");
        field.setAccessible(true);
        Object ops = field.get(channel);
        return (int) ops.getClass().getMethod("value").invoke(ops);
    }

    /** Netty's {@code AbstractEpollChannel.clearFlag(int)}, which submits the interest set without the flag. */
    private static MethodHandle clearFlag(Channel channel) throws ReflectiveOperationException {
        Class<?> epollChannel = Class.forName("io.netty.channel.epoll.AbstractEpollChannel");
        return MethodHandles.privateLookupIn(epollChannel, MethodHandles.lookup())
                .findVirtual(epollChannel, "clearFlag", MethodType.methodType(void.class, int.class))
                .asType(MethodType.methodType(void.class, Channel.class, int.class));
    }

    private static Channel connect(EventLoop loop, TargetConnector connector, int port) throws Exception {
        return Dials.start(loop, connector, port, channel -> { }).get(5, TimeUnit.SECONDS);
    }
}

package io.snipool.core.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.snipool.core.backend.TargetConnector;
import io.snipool.core.testbed.Dials;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A channel closed while its last write is in flight, and asked to read after the close or just before it, still
 * ends its connection with a FIN after its bytes: on Netty 4.2.18's io_uring transport the read would arm a poll that
 * keeps the socket open in the kernel, and the peer would wait for the FIN until its own timeout. Runs on the
 * transport the suite runs on (io_uring by default, {@code -Ptest-epoll}, {@code -Ptest-nio}); the backend
 * connections of {@link TargetConnector} are the channels under test.
 */
@ExtendWith(VertxExtension.class)
class ReadsEndAtCloseTest {

    /** How long the peer waits for the FIN: the bound of a test that fails. */
    private static final int PEER_TIMEOUT_MILLIS = 10_000;
    private static final byte[] LAST_WORDS = "the last bytes before the FIN".getBytes(StandardCharsets.US_ASCII);

    private EventLoop loop;
    private TargetConnector connector;

    @BeforeEach
    void connector(Vertx vertx) {
        VertxInternal internal = (VertxInternal) vertx;
        loop = internal.nettyEventLoopGroup().next();
        connector = new TargetConnector(loop, internal.transport().channelFactory(false),
                (host, on, callback) -> callback.failed(new UnknownHostException(host)), Duration.ofSeconds(5));
    }

    @Test
    void aReadAskedForAfterTheCloseDoesNotKeepTheConnectionOpen() throws Exception {
        try (ServerSocket listening = listen()) {
            Channel channel = connect(listening.getLocalPort());
            try (Socket peer = accept(listening)) {
                loop.execute(() -> {
                    channel.writeAndFlush(Unpooled.wrappedBuffer(LAST_WORDS));
                    channel.close();
                    channel.read();
                });
                assertThat(readToEnd(peer)).isEqualTo(LAST_WORDS);
            }
            assertThat(channel.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aReadAskedForJustBeforeTheCloseInTheSameReadDoesNotKeepTheConnectionOpen() throws Exception {
        try (ServerSocket listening = listen()) {
            // Answers the peer's bytes, asking for more first, then closes: all while Netty handles the read.
            Channel channel = connect(listening.getLocalPort(), connected -> connected.pipeline().addLast(
                    new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                            ctx.read();
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(LAST_WORDS));
                            ctx.close();
                        }
                    }));
            try (Socket peer = accept(listening)) {
                loop.execute(channel::read);
                peer.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
                assertThat(readToEnd(peer)).isEqualTo(LAST_WORDS);
            }
            assertThat(channel.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aChannelOfAnotherTransportIsLeftAsItIs() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ReadsEndAtClose.install(channel);
        assertThat(channel.pipeline().get(ReadsEndAtClose.HANDLER_NAME)).isNull();
        channel.finishAndReleaseAll();
    }

    private static ServerSocket listen() throws IOException {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    private static Socket accept(ServerSocket listening) throws IOException {
        listening.setSoTimeout(PEER_TIMEOUT_MILLIS);
        Socket peer = listening.accept();
        peer.setSoTimeout(PEER_TIMEOUT_MILLIS);
        return peer;
    }

    private Channel connect(int port) throws Exception {
        return connect(port, channel -> { });
    }

    private Channel connect(int port, Consumer<Channel> handlers) throws Exception {
        return Dials.start(loop, connector, port, handlers).get(5, TimeUnit.SECONDS);
    }

    /** Everything the peer reads until the FIN; a missing FIN fails with the read's timeout. */
    private static byte[] readToEnd(Socket peer) throws IOException {
        InputStream in = peer.getInputStream();
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[256];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            read.write(buffer, 0, n);
        }
        return read.toByteArray();
    }
}

package io.snipool.core.http2;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.snipool.config.Http2Limits;
import io.snipool.core.metrics.Http2Meters;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a snipool listener until the client-side mapping is on this branch: the pipeline snipool builds
 * ({@link Http2ServerCodecs#frameCodec}, {@link Http2ConnectionGuard}, a multiplexer) with, per stream, a responder
 * that counts each complete request head as one request reaching the backend (snipool forwards a head as soon as
 * it is complete), and once the request has ended answers 200 with {@code bodyBytes} bytes.
 */
final class StandInServer implements H2Server {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Http2Meters meters = new Http2Meters(registry, "h2");
    /** Requests whose head was complete: what would have reached a backend. */
    private final AtomicInteger backendRequests = new AtomicInteger();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    StandInServer(Http2Limits limits, int bodyBytes) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(Http2ServerCodecs.frameCodec(limits, meters),
                                new Http2ConnectionGuard(limits, meters),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new Responder(bodyBytes));
                                    }
                                }));
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @Override
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public int backendRequests() {
        return backendRequests.get();
    }

    @Override
    public int openBackendConnections() {
        return 0;
    }

    @Override
    public MeterRegistry registry() {
        return registry;
    }

    @Override
    public String listener() {
        return "h2";
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers a complete request head with 200 and the body; counts the head. */
    private final class Responder extends SimpleChannelInboundHandler<Http2StreamFrame> {
        private final int bodyBytes;
        private boolean headSeen;

        Responder(int bodyBytes) {
            this.bodyBytes = bodyBytes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            if (frame instanceof Http2HeadersFrame && !headSeen) {
                headSeen = true;
                backendRequests.incrementAndGet();
            }
            if (frame instanceof Http2HeadersFrame headers && headers.isEndStream()
                    || frame instanceof Http2DataFrame data && data.isEndStream()) {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), bodyBytes == 0));
                if (bodyBytes > 0) {
                    // Handed to the stream channel, which releases it once written.
                    ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[bodyBytes]), true));
                }
                ctx.flush();
            }
        }
    }
}

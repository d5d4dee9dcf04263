package io.snipool.core.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A plain Netty HTTP/2 client for the tests: h2c with prior knowledge, or h2 over TLS chosen by ALPN. Each request
 * is one stream; its frames are recorded as they came, so a test sees the head, the body, the trailers, or the
 * reset exactly as the proxy sent them. The connection's GOAWAY is recorded too.
 */
final class H2Client implements AutoCloseable {

    /** What one stream got back: the final head, the body, the trailers (empty if none), the reset code (-1). */
    record Response(Http2Headers headers, byte[] body, Http2Headers trailers, long resetCode, List<Integer> interim) {

        int status() {
            return Integer.parseInt(headers.status().toString());
        }

        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Records one stream's frames into a response; completes at END_STREAM, a reset, or the channel's close. */
    static final class StreamRecorder extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Response> done = new CompletableFuture<>();
        /** Completes at the first DATA frame or the final head, whichever the test waits for. */
        final CompletableFuture<Void> headReceived = new CompletableFuture<>();
        private Http2Headers headers;
        private Http2Headers trailers = new DefaultHttp2Headers();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final List<Integer> interim = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame frame) {
                    CharSequence status = frame.headers().status();
                    if (headers == null && status != null && status.charAt(0) == '1') {
                        interim.add(Integer.parseInt(status.toString()));
                        return;
                    }
                    if (headers == null) {
                        headers = frame.headers();
                        headReceived.complete(null);
                    } else {
                        trailers = frame.headers();
                    }
                    if (frame.isEndStream()) {
                        finish(-1);
                    }
                } else if (msg instanceof Http2DataFrame data) {
                    ByteBuf content = data.content();
                    byte[] bytes = new byte[content.readableBytes()];
                    content.readBytes(bytes);
                    body.writeBytes(bytes);
                    if (data.isEndStream()) {
                        finish(-1);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof Http2ResetFrame reset) {
                finish(reset.errorCode());
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("stream closed before its end; got " + headers));
        }

        private void finish(long resetCode) {
            done.complete(new Response(headers, body.toByteArray(), trailers, resetCode, List.copyOf(interim)));
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final CompletableFuture<Http2GoAwayFrame> goAway = new CompletableFuture<>();
    private final String authority;

    private H2Client(int port, SslContext tls, String serverName, String authority) throws InterruptedException {
        this.authority = authority;
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            SslHandler ssl = tls.newHandler(ch.alloc(), serverName, port);
                            ch.pipeline().addLast(ssl);
                        }
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof Http2GoAwayFrame frame) {
                                    goAway.complete(frame.retain());
                                }
                                ReferenceCountUtil.release(msg);
                            }
                        });
                    }
                }).connect("127.0.0.1", port).sync().channel();
        if (tls != null) {
            channel.pipeline().get(SslHandler.class).handshakeFuture().sync();
        }
    }

    /** h2c with prior knowledge. */
    static H2Client h2c(int port, String authority) throws InterruptedException {
        return new H2Client(port, null, null, authority);
    }

    /** h2 over TLS with SNI {@code serverName}, offering {@code alpn} (in order). */
    static H2Client tls(int port, SSLContext context, String serverName, String authority, String... alpn)
            throws InterruptedException {
        SslContext netty = new JdkSslContext(context, true, null, IdentityCipherSuiteFilter.INSTANCE,
                new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn), ClientAuth.NONE);
        return new H2Client(port, netty, serverName, authority);
    }

    /** The protocol the TLS handshake chose; null on h2c. */
    String applicationProtocol() {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return ssl == null ? null : ssl.applicationProtocol();
    }

    /** A request head for {@code method} and {@code path} with this client's :authority (none if null). */
    Http2Headers head(String method, String path) {
        Http2Headers headers = new DefaultHttp2Headers().method(method).path(path)
                .scheme(channel.pipeline().get(SslHandler.class) == null ? "http" : "https");
        if (authority != null) {
            headers.authority(authority);
        }
        return headers;
    }

    /** Opens a stream whose frames {@code recorder} records. */
    Http2StreamChannel open(StreamRecorder recorder) throws InterruptedException {
        return new Http2StreamChannelBootstrap(channel).handler(recorder).open().sync().getNow();
    }

    /**
     * Opens a stream that reads nothing until auto-read is turned on: its window, given back only as frames are
     * read, stays closed once the server filled it.
     */
    Http2StreamChannel openPaused(StreamRecorder recorder) throws InterruptedException {
        return new Http2StreamChannelBootstrap(channel).option(io.netty.channel.ChannelOption.AUTO_READ, false)
                .handler(recorder).open().sync().getNow();
    }

    /** Sends a whole request: the head, the body if any (in 16 KiB DATA frames), then trailers if any. */
    CompletableFuture<Response> send(Http2Headers headers, byte[] body, Http2Headers trailers)
            throws InterruptedException {
        StreamRecorder recorder = new StreamRecorder();
        Http2StreamChannel stream = open(recorder);
        stream.eventLoop().execute(() -> {
            boolean noBody = body == null || body.length == 0;
            stream.write(new DefaultHttp2HeadersFrame(headers, noBody && trailers == null));
            if (!noBody) {
                for (int offset = 0; offset < body.length; offset += 16 * 1024) {
                    int length = Math.min(16 * 1024, body.length - offset);
                    boolean last = offset + length == body.length && trailers == null;
                    stream.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body, offset, length), last));
                }
            }
            if (trailers != null) {
                stream.write(new DefaultHttp2HeadersFrame(trailers, true));
            }
            stream.flush();
        });
        return recorder.done;
    }

    CompletableFuture<Response> get(String path) throws InterruptedException {
        return send(head("GET", path), null, null);
    }

    /** Resets {@code stream} with CANCEL, as a client giving up on a response does. */
    static void cancel(Http2StreamChannel stream) {
        stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
    }

    /** Completes with the GOAWAY the server sent (the frame is the caller's to release). */
    CompletableFuture<Http2GoAwayFrame> goAway() {
        return goAway;
    }

    boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}

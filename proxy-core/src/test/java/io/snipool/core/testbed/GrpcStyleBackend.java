package io.snipool.core.testbed;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 backend on Netty's server codec (h2c with prior knowledge, or h2 over TLS with ALPN) that answers in the
 * shape of gRPC: {@code POST /grpc.Echo/Unary} echoes the request's length-prefixed message, then trailers
 * {@code grpc-status: 0}, {@code grpc-message: OK}; {@code /grpc.Echo/Stream} sends {@code x-count} messages (default 3)
 * {@code x-interval-ms} apart (default 20), then the trailers. Any other path answers {@code 200} with a text body
 * naming the request's {@code x-n} header, the connection and the stream. It records what each request carried and
 * counts connections and the streams open on each; {@link Options} can hold responses until enough streams are open,
 * send a GOAWAY, or close a connection in the middle of a response ({@code /cut}).
 */
public final class GrpcStyleBackend implements AutoCloseable {

    /** What the backend does beyond answering. */
    public static final class Options {
        int maxConcurrentStreams = 1000;
        SslContext tls;
        int holdUntilOpen;
        int goAwayAtStreams;
        int goAwayKeep;
        boolean refuseFirstStream;

        /** SETTINGS_MAX_CONCURRENT_STREAMS it announces. */
        public Options maxConcurrentStreams(int streams) {
            maxConcurrentStreams = streams;
            return this;
        }

        /** TLS with this certificate, offering {@code alpn} (e.g. {@code h2}, or only {@code http/1.1}). */
        public Options tls(TestPki.Leaf leaf, String... alpn) {
            try {
                tls = SslContextBuilder.forServer(leaf.key(), leaf.certificate())
                        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn))
                        .build();
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        /** The first stream of all is refused with RST_STREAM REFUSED_STREAM, unprocessed (RFC 9113 §8.7). */
        public Options refuseFirstStream() {
            refuseFirstStream = true;
            return this;
        }

        /** Plain-path responses wait until this many streams are open at once, over all connections. */
        public Options holdUntilOpen(int streams) {
            holdUntilOpen = streams;
            return this;
        }

        /**
         * On the first connection, when its {@code atStreams}-th stream arrives: GOAWAY NO_ERROR naming its
         * {@code keep}-th stream as the last processed; the first {@code keep} are answered, the others never.
         */
        public Options goAway(int atStreams, int keep) {
            goAwayAtStreams = atStreams;
            goAwayKeep = keep;
            return this;
        }
    }

    /** One request as the backend received it. */
    public record Seen(int connection, int stream, Map<String, String> headers, byte[] body) {
    }

    private final Options options;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger connectionsOpen = new AtomicInteger();
    private final AtomicInteger resets = new AtomicInteger();
    private final AtomicInteger mostOpenOnOneConnection = new AtomicInteger();
    private final Queue<Seen> seen = new ConcurrentLinkedQueue<>();
    private final List<Runnable> held = new ArrayList<>();
    private final Map<Integer, AtomicInteger> openPerConnection = new ConcurrentHashMap<>();

    private GrpcStyleBackend(Options options) throws InterruptedException {
        this.options = options;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        int index = connections.incrementAndGet();
                        connectionsOpen.incrementAndGet();
                        channel.closeFuture().addListener(closed -> connectionsOpen.decrementAndGet());
                        openPerConnection.put(index, new AtomicInteger());
                        if (options.tls != null) {
                            channel.pipeline().addLast(options.tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                                .initialSettings(Http2Settings.defaultSettings()
                                        .maxConcurrentStreams(options.maxConcurrentStreams))
                                .build());
                        channel.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel stream) {
                                stream.pipeline().addLast(new StreamHandler(index));
                            }
                        }));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    public static GrpcStyleBackend start(Options options) throws InterruptedException {
        return new GrpcStyleBackend(options);
    }

    public static GrpcStyleBackend start() throws InterruptedException {
        return start(new Options());
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** RST_STREAM frames received from the client. */
    public int resets() {
        return resets.get();
    }

    /** Connections open now. */
    public int connectionsOpen() {
        return connectionsOpen.get();
    }

    /** The most streams one connection had open at once. */
    public int mostOpenOnOneConnection() {
        return mostOpenOnOneConnection.get();
    }

    /** Every request answered or held, in arrival order. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** A gRPC length-prefixed message: a zero compression flag, the length (4 bytes, big-endian), the bytes. */
    public static byte[] frame(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + bytes.length).put((byte) 0).putInt(bytes.length).put(bytes).array();
    }

    /** The messages of a body of length-prefixed messages. */
    public static List<String> messages(byte[] body) {
        List<String> messages = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(body);
        while (buffer.remaining() >= 5) {
            buffer.get();
            byte[] message = new byte[buffer.getInt()];
            buffer.get(message);
            messages.add(new String(message, StandardCharsets.UTF_8));
        }
        return messages;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One stream: gathers the request, then answers by path. Runs on the backend's one event loop. */
    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private final int connection;
        private Http2Headers headers;
        private CompositeByteBuf body;
        private boolean counted;
        private boolean refused;

        StreamHandler(int connection) {
            this.connection = connection;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame frame && headers == null) {
                    headers = frame.headers();
                    body = ctx.alloc().compositeBuffer();
                    arrived(ctx);
                    if (frame.isEndStream()) {
                        answer(ctx);
                    }
                } else if (msg instanceof Http2DataFrame data && body != null) {
                    body.addComponent(true, data.content().retain());
                    if (data.isEndStream()) {
                        answer(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void arrived(ChannelHandlerContext ctx) {
            if (options.refuseFirstStream) {
                options.refuseFirstStream = false;
                refused = true;
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                return;
            }
            counted = true;
            open.incrementAndGet();
            int onConnection = openPerConnection.get(connection).incrementAndGet();
            mostOpenOnOneConnection.accumulateAndGet(onConnection, Math::max);
            int id = ((Http2StreamChannel) ctx.channel()).stream().id();
            // Client streams are odd; Netty's client codec starts at 3.
            if (connection == 1 && options.goAwayAtStreams > 0 && id == 2 * options.goAwayAtStreams + 1) {
                Channel parent = ctx.channel().parent();
                Http2FrameCodec codec = parent.pipeline().get(Http2FrameCodec.class);
                codec.goAway(parent.pipeline().context(codec), 2 * options.goAwayKeep + 1, Http2Error.NO_ERROR.code(),
                        Unpooled.EMPTY_BUFFER, parent.newPromise());
                parent.flush();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof Http2ResetFrame) {
                resets.incrementAndGet(); // Netty passes RST_STREAM to a stream as an event
            }
            ReferenceCountUtil.release(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (counted) {
                open.decrementAndGet();
                openPerConnection.get(connection).decrementAndGet();
            }
            if (body != null) {
                body.release();
                body = null;
            }
        }

        private void answer(ChannelHandlerContext ctx) {
            if (refused) {
                return;
            }
            byte[] bytes = new byte[body.readableBytes()];
            body.readBytes(bytes);
            Map<String, String> fields = new TreeMap<>();
            headers.forEach(field -> fields.merge(field.getKey().toString(), field.getValue().toString(),
                    (a, b) -> a + "," + b));
            int id = ((Http2StreamChannel) ctx.channel()).stream().id();
            if (connection == 1 && options.goAwayAtStreams > 0 && id > 2 * options.goAwayKeep + 1) {
                return; // above the GOAWAY's last stream: never processed
            }
            seen.add(new Seen(connection, id, fields, bytes));
            String path = headers.path().toString();
            if (path.equals("/grpc.Echo/Unary")) {
                grpcHead(ctx);
                ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(bytes)));
                grpcTrailers(ctx);
            } else if (path.equals("/grpc.Echo/Stream")) {
                grpcHead(ctx);
                int count = Integer.parseInt(fields.getOrDefault("x-count", "3"));
                long interval = Long.parseLong(fields.getOrDefault("x-interval-ms", "20"));
                String request = messages(bytes).stream().findFirst().orElse("");
                streamMessages(ctx, request, 1, count, interval);
            } else if (path.equals("/cut")) {
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("partial", StandardCharsets.UTF_8)))
                        .addListener(done -> ctx.channel().parent().close());
            } else if (path.equals("/close")) {
                ctx.channel().parent().close();
            } else {
                String text = "n=" + fields.get("x-n") + " connection=" + connection + " stream=" + id + "\n";
                Runnable reply = () -> {
                    ByteBuf content = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
                    ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                            .set("content-type", "text/plain")
                            .setInt("content-length", content.readableBytes())));
                    ctx.writeAndFlush(new DefaultHttp2DataFrame(content, true));
                };
                if (options.holdUntilOpen > 0) {
                    held.add(reply);
                    if (open.get() >= options.holdUntilOpen) {
                        options.holdUntilOpen = 0;
                        held.forEach(Runnable::run);
                        held.clear();
                    }
                } else {
                    reply.run();
                }
            }
        }

        private void grpcHead(ChannelHandlerContext ctx) {
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                    .set("content-type", "application/grpc")));
        }

        private void grpcTrailers(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0")
                    .set("grpc-message", "OK"), true));
        }

        private void streamMessages(ChannelHandlerContext ctx, String request, int next, int count, long interval) {
            if (!ctx.channel().isActive()) {
                return; // reset by the client
            }
            if (next > count) {
                grpcTrailers(ctx);
                return;
            }
            ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(frame(request + " " + next))));
            ctx.executor().schedule(() -> streamMessages(ctx, request, next + 1, count, interval), interval,
                    TimeUnit.MILLISECONDS);
        }
    }
}

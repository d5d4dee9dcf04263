package io.snipool.core.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * One stream of a multiplexed HTTP/2 backend connection, lent to one exchange: a child channel with Netty's
 * {@link H2ObjectCodec} (client side), {@link H2RequestHead} and a dispatcher that hands what
 * arrives to the exchange as HTTP/1.1-shaped objects: a head without {@code x-http2-*} fields, then content,
 * then {@code LastHttpContent} with the trailers. Knows when the backend never processed it (GOAWAY, REFUSED_STREAM).
 */
final class H2Stream implements BackendConnection {

    private final Http2StreamChannel channel;
    private final BackendKey key;
    private final Http2Connection connection;
    private Listener listener;
    private boolean unprocessed;

    private H2Stream(Http2StreamChannel channel, BackendKey key, Http2Connection connection) {
        this.channel = channel;
        this.key = key;
        this.connection = connection;
    }

    /** Installs the stream's handlers on a child channel just opened on {@code parent}'s codec. */
    static H2Stream install(Http2StreamChannel channel, BackendKey key, Http2FrameCodec codec,
                            CoalescedFlush flush) {
        H2Stream stream = new H2Stream(channel, key, codec.connection());
        channel.pipeline()
                .addLast(CoalescedFlush.NAME, flush)
                .addLast(H2ObjectCodec.NAME, new H2ObjectCodec(H2ObjectCodec.Side.CLIENT))
                .addLast(H2RequestHead.NAME, new H2RequestHead(key.tls().isPresent()))
                .addLast(DISPATCHER, stream.new Dispatcher());
        return stream;
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public BackendKey key() {
        return key;
    }

    @Override
    public void attach(Listener exchange, boolean head) {
        listener = exchange;
        channel.config().setAutoRead(true);
    }

    @Override
    public void detach() {
        listener = null;
    }

    /** A stream ends with its exchange; nothing of it can taint the next one. */
    @Override
    public boolean tainted() {
        return false;
    }

    @Override
    public boolean unprocessed() {
        return unprocessed;
    }

    /** RFC 9113 §8.2.2: {@code te} may be sent with the value {@code trailers}, and gRPC servers ask for it. */
    @Override
    public void clientAcceptsTrailers(HttpRequest request) {
        request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
    }

    /**
     * Ends the stream: if it is still open (the exchange did not finish), RST_STREAM CANCEL; the connection stays.
     */
    void end() {
        listener = null;
        if (channel.isOpen()) {
            channel.close();
        }
    }

    /**
     * RFC 9113 §6.8: streams above a GOAWAY's last stream id "have not been processed"; RFC 9113 §8.7: neither has
     * a stream refused with REFUSED_STREAM.
     */
    private void checkProcessed() {
        int id = channel.stream().id();
        if (id > 0 && connection.goAwayReceived() && id > connection.local().lastStreamKnownByPeer()) {
            unprocessed = true;
        }
    }

    /** What Netty's conversion made of a response, in the shape {@link ResponseForwarder} reads from HTTP/1.1. */
    private void deliver(Object message) {
        if (message instanceof HttpResponse head) {
            ForwardingHeaders.removeHttp2Extensions(head.headers());
            if (message instanceof FullHttpResponse full) {
                // HEADERS with END_STREAM: a head, then an end with the body the codec gathered (none), no trailers.
                HttpResponse only = new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
                int code = full.status().code();
                if (code >= 200 && code != 204 && code != 304 && !HttpUtil.isContentLengthSet(only)
                        && !HttpUtil.isTransferEncodingChunked(only)) {
                    HttpUtil.setContentLength(only, full.content().readableBytes());
                }
                listener.backendRead(only);
                // The full response's content is handed on inside the end of the body, whose reader releases it.
                listener.backendRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
                return;
            }
        }
        listener.backendRead(message);
    }

    /** The last handler of the stream's pipeline. */
    private final class Dispatcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (listener != null) {
                deliver(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (listener != null) {
                listener.backendReadComplete();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            // Netty's multiplex handler passes RST_STREAM and GOAWAY to a stream as events, not reads: they are not
            // flow-controlled, so they must arrive even while the stream's reading is paused.
            if (event instanceof Http2ResetFrame reset) {
                if (reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
                    unprocessed = true;
                }
                return;
            }
            if (event instanceof Http2GoAwayFrame goAway) {
                if (channel.stream().id() > goAway.lastStreamId()) {
                    unprocessed = true;
                }
                goAway.release();
                return;
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            checkProcessed();
            if (listener != null) {
                listener.backendClosed();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            checkProcessed();
            if (listener != null) {
                listener.backendFailed(cause);
            }
            ctx.close();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (listener != null && ctx.channel().isWritable()) {
                listener.backendWritable();
            }
        }
    }
}

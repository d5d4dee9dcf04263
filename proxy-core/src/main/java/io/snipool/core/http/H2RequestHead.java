package io.snipool.core.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * Turns the request head an {@link Exchange} writes on an HTTP/2 stream into a HEADERS frame, placed in front of
 * {@link H2ObjectCodec}, which frames the body. {@code :authority} and {@code :scheme} come from what snipool
 * knows: the request's {@code Host} and whether the backend connection is TLS.
 */
final class H2RequestHead extends ChannelOutboundHandlerAdapter {

    static final String NAME = "snipool-h2-request-head";

    private final AsciiString scheme;
    /** The HEADERS frame ended the stream (a request without a body): the empty end of the body is not sent. */
    private boolean endedWithHead;

    H2RequestHead(boolean tls) {
        this.scheme = AsciiString.cached(tls ? "https" : "http");
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof HttpRequest request)) {
            if (endedWithHead && msg instanceof LastHttpContent end && !end.content().isReadable()
                    && end.trailingHeaders().isEmpty()) {
                end.release();
                promise.setSuccess();
                return;
            }
            ctx.write(msg, promise);
            return;
        }
        Http2Headers headers = headers(request, scheme);
        if (!(msg instanceof FullHttpRequest) && !HttpUtil.isTransferEncodingChunked(request)
                && HttpUtil.getContentLength(request, 0L) == 0) {
            // No body: END_STREAM on the HEADERS frame, as an HTTP/2 client sends a GET; the exchange's empty end of
            // the body that follows is dropped here.
            endedWithHead = true;
            ctx.write(new DefaultHttp2HeadersFrame(headers, true), promise);
            return;
        }
        if (msg instanceof FullHttpRequest full) {
            // The body goes on through the codec as the message's last content, which ends the stream.
            ctx.write(new DefaultHttp2HeadersFrame(headers, false));
            ctx.write(new DefaultLastHttpContent(full.content(),
                    full.trailingHeaders()), promise);
        } else {
            ctx.write(new DefaultHttp2HeadersFrame(headers, false), promise);
        }
    }

    /**
     * The HTTP/2 field section of {@code request}: the pseudo-header fields first (RFC 9113 §8.3.1), then its fields
     * lower-cased without the connection-specific ones (RFC 9113 §8.2.2: {@code connection}, {@code keep-alive},
     * {@code proxy-connection}, {@code transfer-encoding}, {@code upgrade}, those {@code Connection} names, and
     * {@code te} unless it is {@code trailers}), without {@code host} (it becomes {@code :authority}) and without
     * Netty's {@code x-http2-*} extension fields, which must never reach a backend.
     */
    static Http2Headers headers(HttpRequest request, AsciiString scheme) {
        // Unchecked: the fields were checked as they were read (HTTP/1.1 or HPACK) or are snipool's own.
        Http2Headers out = new DefaultHttp2Headers(false, request.headers().size() + 4);
        out.method(request.method().asciiName());
        out.path(request.uri());
        out.scheme(scheme);
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host != null && !host.isEmpty()) {
            out.authority(host);
        }
        return H2ObjectCodec.toHttp2(request.headers(), out, true);
    }
}

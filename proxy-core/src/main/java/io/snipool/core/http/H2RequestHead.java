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
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the request head an {@link Exchange} writes on an HTTP/2 stream into a HEADERS frame, placed in front of
 * Netty's {@code Http2StreamFrameToHttpObjectCodec}, which frames the body. Netty's own conversion leaves out
 * {@code :authority} for an origin-form target and takes {@code :scheme} from the channel; here both come from what
 * snipool knows: the request's {@code Host} and whether the backend connection is TLS.
 */
final class H2RequestHead extends ChannelOutboundHandlerAdapter {

    static final String NAME = "snipool-h2-request-head";
    private static final AsciiString EXTENSION_PREFIX = AsciiString.cached("x-http2-");

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
        Http2Headers out = new DefaultHttp2Headers();
        out.method(AsciiString.of(request.method().name()));
        out.path(request.uri());
        out.scheme(scheme);
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host != null && !host.isEmpty()) {
            out.authority(host);
        }
        HttpConversionUtil.toHttp2Headers(request.headers(), out);
        List<CharSequence> extensions = new ArrayList<>(0);
        for (Map.Entry<CharSequence, CharSequence> field : out) {
            if (AsciiString.of(field.getKey()).startsWith(EXTENSION_PREFIX)) {
                extensions.add(field.getKey());
            }
        }
        extensions.forEach(out::remove);
        return out;
    }
}

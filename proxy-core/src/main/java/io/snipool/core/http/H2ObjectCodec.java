package io.snipool.core.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The frames of one HTTP/2 stream to and from the HttpObjects an {@link Exchange} reads and writes, in one pass
 * over the fields each way. It stands where Netty's {@code Http2StreamFrameToHttpObjectCodec} stood and gives the
 * same shapes: a head ({@code Transfer-Encoding: chunked} when the body follows without a length), a full message
 * when HEADERS ends the stream, content, an end with the trailers. What it does not repeat of Netty's conversion:
 * the check of every field again on an {@link HttpHeaders} (the HPACK decoder of both frame codecs already checked
 * names and values, {@code validateHeaders}), the {@code x-http2-*} fields it adds for the stream id and scheme
 * (snipool strips them again), and a buffer allocated for the empty body of a request that came in one frame.
 *
 * <p>Reading, {@code :method}, {@code :path} and {@code :status} make the message's first line, {@code :authority}
 * becomes a {@code host} field placed before any {@code host} the peer sent, which must name the same host in any
 * case (RFC 9113 §8.3.1; else a stream error PROTOCOL_ERROR, answered 400 as before), {@code :scheme} is dropped,
 * {@code cookie} fields are joined with "; " (RFC 9113 §8.2.3, for an HTTP/1.1 backend), and
 * {@code transfer-encoding} and {@code trailer} are removed as Netty does. A pseudo-header field in trailers is
 * malformed (RFC 9113 §8.1): a stream error PROTOCOL_ERROR.
 *
 * <p>Writing, the fields go lower-cased (RFC 9113 §8.2) and without the connection-specific ones (RFC 9113 §8.2.2:
 * {@code connection} and the names it lists, {@code keep-alive}, {@code proxy-connection},
 * {@code transfer-encoding}, {@code upgrade}, {@code te} unless it is {@code trailers}), without {@code host} (a
 * request's becomes {@code :authority}, see {@link H2RequestHead}), and without {@code x-http2-*} fields: every one
 * of a request, Netty's three of a response. A {@code cookie} field goes as it is (RFC 9113 §8.2.3 allows, not
 * requires, splitting it). An interim (1xx) response never ends the stream. A request head comes
 * to it already as a HEADERS frame from {@link H2RequestHead} and passes, as any frame does.
 */
final class H2ObjectCodec extends ChannelDuplexHandler {

    static final String NAME = "snipool-h2-objects";

    /** Values the HPACK decoder has checked, names it has checked and lower-cased: no second check. */
    private static final HttpHeadersFactory CHECKED = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final HttpHeadersFactory CHECKED_TRAILERS = DefaultHttpHeadersFactory.trailersFactory()
            .withValidation(false);
    private static final AsciiString EXTENSION_PREFIX = AsciiString.cached("x-http2-");

    /** Which end of the stream snipool is. */
    enum Side {
        /** A client's stream: requests in, responses out. */
        SERVER,
        /** A stream to a backend: responses in, requests out. */
        CLIENT
    }

    private final Side side;

    H2ObjectCodec(Side side) {
        this.side = side;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof Http2HeadersFrame frame) {
            Object converted;
            try {
                converted = fromHeaders(frame);
            } catch (Http2Exception malformed) {
                ctx.fireExceptionCaught(malformed);
                return;
            }
            ctx.fireChannelRead(converted);
        } else if (msg instanceof Http2DataFrame data) {
            // The frame's content passes to the HttpContent (the frame itself holds nothing else).
            ctx.fireChannelRead(data.isEndStream() ? new DefaultLastHttpContent(data.content(), CHECKED_TRAILERS)
                    : new DefaultHttpContent(data.content()));
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private Object fromHeaders(Http2HeadersFrame frame) throws Http2Exception {
        Http2Headers fields = frame.headers();
        int streamId = frame.stream() == null ? 0 : frame.stream().id();
        CharSequence status = fields.status();
        CharSequence method = fields.method();
        if (frame.isEndStream() && method == null && status == null) {
            LastHttpContent trailers = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, CHECKED_TRAILERS);
            copyFields(streamId, fields, trailers.trailingHeaders(), true);
            return trailers;
        }
        HttpMessage message;
        // 100 Continue does not end the stream, yet is a whole message, as Netty's codec gave it.
        boolean whole = frame.isEndStream() || (status != null && HttpResponseStatus.CONTINUE.codeAsText()
                .contentEquals(status));
        if (side == Side.SERVER) {
            if (method == null || fields.path() == null) {
                throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, "no :method or :path");
            }
            HttpMethod parsed = HttpMethod.valueOf(method.toString());
            String path = fields.path().toString();
            message = whole ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, parsed, path, Unpooled.EMPTY_BUFFER,
                    CHECKED, CHECKED_TRAILERS) : new DefaultHttpRequest(HttpVersion.HTTP_1_1, parsed, path, CHECKED);
        } else {
            HttpResponseStatus parsed = parseStatus(streamId, status);
            message = whole ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, parsed, Unpooled.EMPTY_BUFFER,
                    CHECKED, CHECKED_TRAILERS) : new DefaultHttpResponse(HttpVersion.HTTP_1_1, parsed, CHECKED);
        }
        copyFields(streamId, fields, message.headers(), false);
        if (!whole && !message.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            message.headers().add(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return message;
    }

    private static HttpResponseStatus parseStatus(int streamId, CharSequence status) throws Http2Exception {
        if (status == null) {
            throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, "no :status");
        }
        try {
            HttpResponseStatus parsed = HttpResponseStatus.parseLine(status);
            // RFC 9113 §8.6: HTTP/2 has no 101.
            if (parsed.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                return parsed;
            }
        } catch (IllegalArgumentException badNumber) {
            // answered below
        }
        throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, "invalid :status '%s'", status);
    }

    /** The regular fields of {@code fields} into {@code out}, as the class comment says. */
    private static void copyFields(int streamId, Http2Headers fields, HttpHeaders out, boolean trailers)
            throws Http2Exception {
        StringBuilder cookies = null;
        CharSequence authority = null;
        for (Map.Entry<CharSequence, CharSequence> field : fields) {
            CharSequence name = field.getKey();
            CharSequence value = field.getValue();
            if (name.length() > 0 && name.charAt(0) == ':') {
                if (trailers) {
                    throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR,
                            "pseudo-header field '%s' in trailers", name);
                }
                if (Http2Headers.PseudoHeaderName.AUTHORITY.value().contentEquals(name)) {
                    authority = value;
                    out.add(HttpHeaderNames.HOST, value);
                }
                continue; // :method, :path, :status made the first line; :scheme has no HTTP/1.1 field
            }
            if (authority != null && HttpHeaderNames.HOST.contentEquals(name)
                    && !AsciiString.contentEqualsIgnoreCase(authority, value)) {
                // RFC 9113 §8.3.1: a host field beside :authority must name the same; two names are malformed.
                throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR,
                        "Conflicting ':authority' and 'host' headers found");
            }
            if (HttpHeaderNames.COOKIE.contentEquals(name)) {
                cookies = cookies == null ? new StringBuilder(value.length()) : cookies.append("; ");
                cookies.append(value);
            } else if (!HttpHeaderNames.TRANSFER_ENCODING.contentEquals(name)
                    && !HttpHeaderNames.TRAILER.contentEquals(name)) {
                out.add(name, value);
            }
        }
        if (cookies != null) {
            out.add(HttpHeaderNames.COOKIE, cookies.toString());
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            Http2Headers fields = new DefaultHttp2Headers(false, response.headers().size() + 1);
            fields.status(response.status().codeAsText());
            toHttp2(response.headers(), fields, false);
            FullHttpMessage full = msg instanceof FullHttpMessage whole ? whole : null;
            if (response.status().code() < 200) {
                // An interim response never ends the stream, and has no body (RFC 9110 §15.2).
                if (full != null) {
                    full.release();
                }
                ctx.write(new DefaultHttp2HeadersFrame(fields, false), promise);
            } else if (full == null) {
                ctx.write(new DefaultHttp2HeadersFrame(fields, false), promise);
            } else if (!full.content().isReadable() && full.trailingHeaders().isEmpty()) {
                full.release();
                ctx.write(new DefaultHttp2HeadersFrame(fields, true), promise);
            } else {
                ctx.write(new DefaultHttp2HeadersFrame(fields, false));
                writeEnd(ctx, full, promise);
            }
        } else if (msg instanceof LastHttpContent last) {
            writeEnd(ctx, last, promise);
        } else if (msg instanceof HttpContent content) {
            ctx.write(new DefaultHttp2DataFrame(content.content(), false), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    /**
     * The end of a body: its last bytes in a DATA frame that ends the stream, or, with trailers, the bytes and then
     * a HEADERS frame of the trailers that ends it. An empty end without trailers is an empty DATA frame with
     * END_STREAM. The content's reference passes to the DATA frame (or is released).
     */
    private static void writeEnd(ChannelHandlerContext ctx, LastHttpContent last, ChannelPromise promise) {
        HttpHeaders trailers = last.trailingHeaders();
        if (trailers.isEmpty()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), true), promise);
            return;
        }
        if (last.content().isReadable()) {
            ctx.write(new DefaultHttp2DataFrame(last.content(), false));
        } else {
            last.content().release();
        }
        ctx.write(new DefaultHttp2HeadersFrame(toHttp2(trailers, new DefaultHttp2Headers(false, trailers.size()),
                false), true), promise);
    }

    /**
     * {@code in}'s fields added to {@code out}, lower-cased, without the connection-specific fields, {@code host} and
     * {@code x-http2-*} (see the class comment).
     */
    static Http2Headers toHttp2(HttpHeaders in, Http2Headers out, boolean request) {
        List<String> connection = in.contains(HttpHeaderNames.CONNECTION) ? in.getAll(HttpHeaderNames.CONNECTION)
                : List.of();
        Iterator<Map.Entry<CharSequence, CharSequence>> fields = in.iteratorCharSequence();
        while (fields.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = fields.next();
            AsciiString name = lowerCase(field.getKey());
            if (connectionSpecific(name) || extension(name, request)
                    || listedInAny(connection, name)) {
                continue;
            }
            CharSequence value = field.getValue();
            if (name.contentEquals(HttpHeaderNames.TE)) {
                if (listedIn(value, HttpHeaderValues.TRAILERS)) {
                    out.add(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
                }
                continue;
            }
            out.add(name, value);
        }
        return out;
    }

    /**
     * A request loses every {@code x-http2-*} field (a backend must not believe one); a response, as with Netty's
     * conversion, the three Netty's own reading adds.
     */
    private static boolean extension(AsciiString name, boolean request) {
        if (!name.startsWith(EXTENSION_PREFIX)) {
            return false;
        }
        return request || name.contentEquals(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text())
                || name.contentEquals(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text())
                || name.contentEquals(HttpConversionUtil.ExtensionHeaderNames.PATH.text());
    }

    private static boolean connectionSpecific(AsciiString name) {
        return switch (name.length()) {
            case 4 -> name.contentEquals(HttpHeaderNames.HOST);
            case 7 -> name.contentEquals(HttpHeaderNames.UPGRADE);
            case 10 -> name.contentEquals(HttpHeaderNames.CONNECTION) || name.contentEquals("keep-alive");
            case 16 -> name.contentEquals("proxy-connection");
            case 17 -> name.contentEquals(HttpHeaderNames.TRANSFER_ENCODING);
            default -> false;
        };
    }

    private static boolean listedInAny(List<String> lists, CharSequence token) {
        for (String list : lists) {
            if (listedIn(list, token)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the comma-separated {@code list} holds {@code token}, in any case, white space around it ignored. */
    static boolean listedIn(CharSequence list, CharSequence token) {
        int length = list.length();
        int start = 0;
        while (start <= length) {
            int end = start;
            while (end < length && list.charAt(end) != ',') {
                end++;
            }
            int from = start;
            int to = end;
            while (from < to && (list.charAt(from) == ' ' || list.charAt(from) == '\t')) {
                from++;
            }
            while (to > from && (list.charAt(to - 1) == ' ' || list.charAt(to - 1) == '\t')) {
                to--;
            }
            if (to - from == token.length() && AsciiString.regionMatches(list, true, from, token, 0, to - from)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** {@code name} lower-cased, without a copy when it already is (an HTTP/2 name, or one of Netty's constants). */
    private static AsciiString lowerCase(CharSequence name) {
        AsciiString ascii = name instanceof AsciiString already ? already : new AsciiString(name);
        return ascii.toLowerCase();
    }
}

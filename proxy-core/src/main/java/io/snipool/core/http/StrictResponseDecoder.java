package io.snipool.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes a backend's responses, and notices the bytes a reusable connection must never carry: any byte that
 * arrives while the connection sits idle, and bytes left over in the same read after a complete response.
 * Knows whether the request was HEAD, because a response to HEAD has no body whatever its headers say.
 */
final class StrictResponseDecoder extends HttpResponseDecoder {

    /** Told what the decoder noticed; runs on the channel's event loop. */
    interface Observer {
        /** Bytes arrived while no request was outstanding. */
        void unexpectedBytes();
    }

    private final Observer observer;
    private boolean idle = true;
    private boolean headRequest;
    private boolean bytesAfterResponse;
    private boolean interim;
    private boolean upgraded;

    StrictResponseDecoder(int maxHeadBytes, Observer observer) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(maxHeadBytes)
                .setMaxHeaderSize(maxHeadBytes)
                .setMaxChunkSize(StrictRequestDecoder.MAX_CHUNK_SIZE)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true)
                .setValidateHeaders(true)
                .setUseRfc9112TransferEncoding(true));
        this.observer = observer;
    }

    /** A request is on its way: the next bytes are its response. */
    void expectResponse(boolean head) {
        idle = false;
        headRequest = head;
        bytesAfterResponse = false;
    }

    /** The exchange is over; from now on any byte is unexpected. */
    void markIdle() {
        idle = true;
    }

    /** True if bytes followed the last complete response in the same read. */
    boolean bytesAfterResponse() {
        return bytesAfterResponse;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (idle) {
            in.skipBytes(in.readableBytes());
            observer.unexpectedBytes();
            return;
        }
        int before = out.size();
        super.decode(ctx, in, out);
        for (int i = before; i < out.size(); i++) {
            Object message = out.get(i);
            if (message instanceof HttpResponse response) {
                int code = response.status().code();
                // A 1xx other than 101 is interim (RFC 9110 §15.2): the final response is still to come.
                interim = code >= 100 && code < 200 && code != 101;
                // After 101 the bytes are the upgraded protocol's; Netty passes them on as they are.
                upgraded |= code == 101;
            } else if (message instanceof LastHttpContent && !interim && !upgraded) {
                // Whatever is left belongs to no request: the connection is not fit for another one.
                idle = true;
                if (in.isReadable()) {
                    bytesAfterResponse = true;
                    in.skipBytes(in.readableBytes());
                }
            }
        }
    }

    /**
     * A response to HEAD, and every 1xx: RFC 9110 §15.2.2 gives a 101 no body whatever its fields, where Netty reads a
     * 101 with {@code Upgrade: websocket} and no {@code Sec-WebSocket-Accept} as a draft-76 handshake whose body runs
     * to the close, and the switch to a tunnel never came.
     */
    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        return headRequest || msg instanceof HttpResponse response && switching(response)
                || super.isContentAlwaysEmpty(msg);
    }

    /**
     * Every 101 ends HTTP on this connection (RFC 9110 §15.2.2); Netty would go on decoding after one whose
     * {@code Upgrade} names an HTTP/1.x version. Whether the request asked for it is the exchange's to judge.
     */
    @Override
    protected boolean isSwitchingToNonHttp1Protocol(HttpResponse msg) {
        return switching(msg);
    }

    /** The usual field names are shared, not made anew per head ({@link KnownHeaderNames}). */
    @Override
    protected AsciiString splitHeaderName(byte[] bytes, int start, int length) {
        AsciiString known = KnownHeaderNames.find(bytes, start, length);
        return known != null ? known : super.splitHeaderName(bytes, start, length);
    }

    // The status line of nearly every response is "HTTP/1.1 200 OK": its three words are shared strings, as Netty's
    // request decoder shares "GET", "POST" and "HTTP/1.1".

    @Override
    protected String splitFirstWordInitialLine(byte[] bytes, int start, int length) {
        return spelled(bytes, start, length, HTTP_1_1) ? "HTTP/1.1"
                : super.splitFirstWordInitialLine(bytes, start, length);
    }

    @Override
    protected String splitSecondWordInitialLine(byte[] bytes, int start, int length) {
        return spelled(bytes, start, length, OK_CODE) ? "200" : super.splitSecondWordInitialLine(bytes, start, length);
    }

    @Override
    protected String splitThirdWordInitialLine(byte[] bytes, int start, int length) {
        return spelled(bytes, start, length, OK_REASON) ? "OK" : super.splitThirdWordInitialLine(bytes, start, length);
    }

    private static final byte[] HTTP_1_1 = "HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_CODE = "200".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_REASON = "OK".getBytes(StandardCharsets.US_ASCII);

    private static boolean spelled(byte[] bytes, int start, int length, byte[] word) {
        return Arrays.equals(bytes, start, start + length, word, 0, word.length);
    }

    private static boolean switching(HttpResponse response) {
        return response.status().code() == 101;
    }
}

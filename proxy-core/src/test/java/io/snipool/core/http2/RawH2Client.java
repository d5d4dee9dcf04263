package io.snipool.core.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * An HTTP/2 client that misbehaves on request: a plain socket writing frames built by hand (RFC 9113 §4.1), with
 * only HPACK borrowed from Netty. It never answers anything by itself, so it can flood, stall and never read.
 */
final class RawH2Client implements AutoCloseable {

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;

    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as it came off the wire. */
    record Frame(int type, int flags, int streamId, byte[] payload) {

        long errorCode() {
            ByteBuffer buffer = ByteBuffer.wrap(payload);
            return Integer.toUnsignedLong(type == GOAWAY ? buffer.getInt(4) : buffer.getInt(0));
        }

        int lastStreamId() {
            return ByteBuffer.wrap(payload).getInt(0) & 0x7fffffff;
        }

        boolean isGoAway(Http2Error error) {
            return type == GOAWAY && errorCode() == error.code();
        }

        boolean isReset(int stream, Http2Error error) {
            return type == RST_STREAM && streamId == stream && errorCode() == error.code();
        }

        @Override
        public String toString() {
            String detail = type == GOAWAY ? " last=" + lastStreamId() + " " + Http2Error.valueOf(errorCode())
                    + " " + new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8)
                    : type == RST_STREAM ? " " + Http2Error.valueOf(errorCode()) : " " + payload.length + "B";
            return "Frame[type=" + type + " flags=" + flags + " stream=" + streamId + detail + "]";
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder hpackIn = new DefaultHttp2HeadersDecoder(false);

    /** Connects with a receive buffer of {@code receiveBuffer} bytes (0: the system's), sends the preface. */
    RawH2Client(int port, int receiveBuffer) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write(PREFACE);
    }

    RawH2Client(int port) throws IOException {
        this(port, 0);
    }

    /** A SETTINGS frame; {@code pairs} are identifier, value, identifier, value... */
    RawH2Client settings(long... pairs) throws IOException {
        ByteBuffer payload = ByteBuffer.allocate(pairs.length / 2 * 6);
        for (int i = 0; i < pairs.length; i += 2) {
            payload.putShort((short) pairs[i]).putInt((int) pairs[i + 1]);
        }
        return frame(SETTINGS, 0, 0, payload.array());
    }

    /** A GET of {@code path} on {@code a.test}, head complete, with END_STREAM. */
    RawH2Client get(int streamId, String path) throws IOException {
        return headers(streamId, request(path), END_STREAM | END_HEADERS);
    }

    /** A GET of {@code path} whose stream stays open (no END_STREAM): nothing can answer it before a reset. */
    RawH2Client open(int streamId, String path) throws IOException {
        return headers(streamId, request(path), END_HEADERS);
    }

    RawH2Client headers(int streamId, Http2Headers headers, int flags) throws IOException {
        return frame(HEADERS, flags, streamId, headerBlock(streamId, headers));
    }

    RawH2Client rst(int streamId, Http2Error error) throws IOException {
        return frame(RST_STREAM, 0, streamId, ByteBuffer.allocate(4).putInt((int) error.code()).array());
    }

    RawH2Client ping(long data) throws IOException {
        return frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(data).array());
    }

    RawH2Client windowUpdate(int streamId, int increment) throws IOException {
        return frame(WINDOW_UPDATE, 0, streamId, ByteBuffer.allocate(4).putInt(increment).array());
    }

    /** Any frame, as is: the length field is the payload's length. */
    RawH2Client frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        out.write(encode(type, flags, streamId, payload));
        return this;
    }

    /** {@code count} copies of one frame in one array, to flood with few writes. */
    static byte[] frames(int type, int flags, int streamId, byte[] payload, int count) {
        byte[] one = encode(type, flags, streamId, payload);
        byte[] all = new byte[one.length * count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(one, 0, all, i * one.length, one.length);
        }
        return all;
    }

    /** Bytes as they are. */
    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    private static byte[] encode(int type, int flags, int streamId, byte[] payload) {
        byte[] frame = new byte[9 + payload.length];
        frame[0] = (byte) (payload.length >>> 16);
        frame[1] = (byte) (payload.length >>> 8);
        frame[2] = (byte) payload.length;
        frame[3] = (byte) type;
        frame[4] = (byte) flags;
        ByteBuffer.wrap(frame, 5, 4).putInt(streamId);
        System.arraycopy(payload, 0, frame, 9, payload.length);
        return frame;
    }

    /** The HPACK block of {@code headers} on this connection's encoder. */
    byte[] headerBlock(int streamId, Http2Headers headers) {
        ByteBuf block = Unpooled.buffer();
        try {
            hpack.encodeHeaders(streamId, headers, block);
            return ByteBufUtil.getBytes(block);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        } finally {
            block.release();
        }
    }

    static Http2Headers request(String path) {
        return new DefaultHttp2Headers(false).method("GET").scheme("http").authority("a.test").path(path);
    }

    /** The decoded header block of a HEADERS frame from the server. */
    Http2Headers decode(Frame frame) throws Http2Exception {
        ByteBuf block = Unpooled.wrappedBuffer(frame.payload());
        try {
            return hpackIn.decodeHeaders(frame.streamId(), block);
        } finally {
            block.release();
        }
    }

    /**
     * Every frame the server sends until one matches {@code until} (included), the server closes, or
     * {@code timeout} passes; never blocks past the timeout.
     */
    List<Frame> readUntil(Predicate<Frame> until, Duration timeout) throws IOException {
        List<Frame> frames = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
            if (left <= 0) {
                return frames;
            }
            socket.setSoTimeout((int) left);
            Frame frame;
            try {
                frame = read();
            } catch (SocketTimeoutException e) {
                return frames;
            } catch (EOFException | java.net.SocketException e) {
                closedByServer = true;
                return frames;
            }
            frames.add(frame);
            if (until.test(frame)) {
                return frames;
            }
        }
    }

    /** Every frame until the server closes the connection (or the timeout passes). */
    List<Frame> readToEnd(Duration timeout) throws IOException {
        return readUntil(frame -> false, timeout);
    }

    private boolean closedByServer;

    /** Whether a read met the end of the stream (or a reset) from the server. */
    boolean closedByServer() {
        return closedByServer;
    }

    private Frame read() throws IOException {
        byte[] head = new byte[9];
        in.readFully(head);
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | head[2] & 0xff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(head[3] & 0xff, head[4] & 0xff, ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff,
                payload);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

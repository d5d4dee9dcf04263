package io.snipool.core.http;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A client on a plain socket that writes literal bytes and reads responses with {@link HttpWire}. */
final class RawClient implements AutoCloseable {

    /** Every blocking read of a test gives up after this. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    /** The TCP connection beneath: {@link #socket} itself, or the socket a TLS one is layered on. */
    private final Socket tcp;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        this(new Socket(InetAddress.getLoopbackAddress(), port));
    }

    /** Over a socket already connected; the client owns it from now on. */
    RawClient(Socket connected) throws IOException {
        this(connected, connected);
    }

    /** Over a TLS socket layered on {@code beneath}, which it closes; the client owns both from now on. */
    RawClient(Socket connected, Socket beneath) throws IOException {
        socket = connected;
        tcp = beneath;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    OutputStream output() {
        return out;
    }

    /**
     * Ends the sending side with a TCP FIN, the reading side staying open. On a TLS connection no close_notify goes
     * before it: the record layer just stops, as when a client's process shuts its socket down.
     */
    void sendFin() throws IOException {
        tcp.shutdownOutput();
    }

    /**
     * Ends the sending side the way the socket does: on TLS a close_notify alert, then the FIN (TLS 1.3 lets the
     * other direction go on, RFC 8446 §6.1); on a plain socket just the FIN.
     */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    HttpWire.Response read() throws IOException {
        return HttpWire.readResponse(in::read, false);
    }

    /** The response to a HEAD request: no body whatever its fields say. */
    HttpWire.Response readHead() throws IOException {
        return HttpWire.readResponse(in::read, true);
    }

    /** Sends {@code request} and reads the response to it. */
    HttpWire.Response exchange(String request) throws IOException {
        send(request);
        return read();
    }

    /** Exactly {@code length} bytes (of a tunnelled protocol), as ISO-8859-1 text. */
    String readBytes(int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new java.io.EOFException("stream ended after " + bytes.length + " of " + length + " bytes");
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /**
     * True if the proxy closed the connection: the stream ends (or is reset) with no further byte, within the read
     * timeout. False if a byte arrives instead.
     */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException timeout) {
            return false;
        }
    }

    /**
     * How the proxy's side of the stream ends, read now: {@code "FIN"} (the stream ends), {@code "reset: ..."} (the
     * read fails: the kernel got a reset), {@code "a byte"} or {@code "nothing"} (within the read timeout).
     */
    String streamEnd() throws IOException {
        try {
            return in.read() < 0 ? "FIN" : "a byte";
        } catch (SocketTimeoutException timeout) {
            return "nothing";
        } catch (IOException reset) {
            return "reset: " + reset;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A GET for {@code host} with any extra fields (each a full line without CRLF). */
    static String get(String host, String path, String... extraFields) {
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String field : extraFields) {
            request.append(field).append("\r\n");
        }
        return request.append("\r\n").toString();
    }
}

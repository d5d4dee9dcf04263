package io.snipool.core.testbed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** A plain TCP client for bytes no TLS library would send: hand-built hellos, malformed input, PROXY headers. */
public final class RawClient implements AutoCloseable {

    /** Connect and read timeout: a test fails rather than hangs. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Socket socket;

    private RawClient(Socket socket) {
        this.socket = socket;
    }

    /** Connects to loopback {@code port}. */
    public static RawClient connect(int port) throws IOException {
        return connect(port, 0);
    }

    /** Connects with a receive buffer of {@code receiveBufferBytes} (0: the system's), set before connecting. */
    public static RawClient connect(int port, int receiveBufferBytes) throws IOException {
        Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        return new RawClient(socket);
    }

    public Socket socket() {
        return socket;
    }

    public RawClient write(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /** Sends FIN: the client will write no more but still reads. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Reads exactly {@code count} bytes; fails on end of stream or timeout first. */
    public byte[] readExactly(int count) throws IOException {
        byte[] bytes = socket.getInputStream().readNBytes(count);
        if (bytes.length < count) {
            throw new AssertionError("expected " + count + " bytes, the stream ended after " + bytes.length);
        }
        return bytes;
    }

    /**
     * Reads until the proxy closes the connection and returns what came before. A reset counts as closed: the
     * proxy closing a socket with unread input makes the kernel send RST. Fails if nothing ends it in
     * {@link #TIMEOUT}.
     */
    public byte[] readUntilClosed() throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                received.write(chunk, 0, n);
            }
        } catch (SocketTimeoutException stillOpen) {
            throw new AssertionError("the proxy did not close the connection in " + TIMEOUT + " (got "
                    + received.size() + " bytes)", stillOpen);
        } catch (SocketException reset) {
            // Closed with a reset; what arrived before it is in received.
        }
        return received.toByteArray();
    }

    /**
     * Sends {@code bytes} on a new connection to loopback {@code port} and reads until the proxy closes it (a reset,
     * even while writing, counts as closed). False if it is still open after {@link #TIMEOUT}.
     */
    public static boolean closedAfterSending(int port, byte[] bytes) throws IOException {
        try (RawClient client = connect(port)) {
            try {
                client.write(bytes);
            } catch (SocketException closedWhileWriting) {
                return true;
            }
            InputStream in = client.socket.getInputStream();
            byte[] discard = new byte[1024];
            try {
                while (in.read(discard) >= 0) {
                    // a refusal, if the proxy sends one
                }
                return true;
            } catch (SocketTimeoutException stillOpen) {
                return false;
            } catch (SocketException reset) {
                return true;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

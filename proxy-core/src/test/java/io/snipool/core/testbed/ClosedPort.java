package io.snipool.core.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loopback ports with nothing listening, for backends whose connects must be refused.
 *
 * <p>Each port stays bound, never listening, for the rest of the test JVM: a connect to it is refused at once, and no
 * other socket can take it meanwhile. A port merely handed out and given back (a {@code ServerSocket} on port 0, closed)
 * is free again, and the proxy's own listeners, bound on port 0 a moment later, can draw it: then the "refusing"
 * backend is one of the proxy's listeners, and a test expecting a refusal sees whatever that listener answers (seen once
 * in CI: a passthrough hello sent to the proxy's own listener that closed it, "Remote host terminated the handshake").
 * A bound socket's port is also one the kernel never picks for an outgoing connection, so no connect meets itself.
 */
public final class ClosedPort {

    /**
     * Eight ports, all bound when the class is first used, so that no later call opens a descriptor; handed out in
     * turn: a test that needs several distinct refusing ports gets them from consecutive calls.
     */
    private static final List<Socket> RESERVED = Stream.generate(ClosedPort::reserve).limit(8).toList();
    private static int next;

    private ClosedPort() {
    }

    /** A bound, never-listening loopback port: connecting to it is refused at once; distinct over 8 calls in a row. */
    public static synchronized int get() {
        return RESERVED.get(next++ % RESERVED.size()).getLocalPort();
    }

    private static Socket reserve() {
        Socket socket = new Socket();
        try {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket;
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException(e);
        }
    }
}

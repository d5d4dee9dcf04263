package io.snipool.core.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback ports with nothing listening, for backends whose connects must be refused. */
public final class ClosedPort {

    private ClosedPort() {
    }

    /** A port the system just handed out and took back: connecting to it is refused at once. */
    public static int get() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

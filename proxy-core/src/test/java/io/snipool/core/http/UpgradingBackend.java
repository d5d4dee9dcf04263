package io.snipool.core.http;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A backend that accepts a WebSocket-style upgrade: answers {@code 101} (with the first bytes of the new protocol
 * in the same write), then echoes every byte until the proxy closes. Plain requests get {@code plain <target>}.
 */
final class UpgradingBackend {

    /** What the backend sends right after the 101, before the client says anything. */
    static final String GREETING = "hello from the backend\n";

    private final Set<Integer> upgraded = ConcurrentHashMap.newKeySet();

    /** Indexes of the connections that were upgraded. */
    Set<Integer> upgraded() {
        return upgraded;
    }

    void serve(RawBackend.Connection connection) throws IOException {
        for (HttpWire.Request request = connection.readRequest(); request != null;
             request = connection.readRequest()) {
            if ("websocket".equalsIgnoreCase(request.header("Upgrade"))) {
                upgraded.add(connection.index);
                connection.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n" + GREETING);
                byte[] buffer = new byte[8192];
                for (int n = connection.read(buffer); n > 0; n = connection.read(buffer)) {
                    connection.write(java.util.Arrays.copyOf(buffer, n));
                }
                return;
            }
            String body = "plain " + request.target();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        }
    }
}

package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.core.testbed.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Client lists and per-client limits on real sockets, IPv4 and IPv6, at their edges. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientLimitsTest {

    private Snipool snipool;
    private final List<Socket> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket socket : open) {
            socket.close();
        }
        if (snipool != null) {
            snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private void start(String listeners) throws Exception {
        snipool = Snipool.start(new ConfigLoader(Map.<String, String>of()::get).parse(listeners
                + "metrics: { bind: \"127.0.0.1:0\" }\naccess_log: { enabled: false }\n", "t.yaml"),
                Duration.ofSeconds(30));
    }

    private Socket connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(300);
        open.add(socket);
        // The first byte of a request head, as a real client sends at once: with timeouts.defer_accept (on by
        // default) the kernel hands a connection to snipool only once its first bytes have come.
        socket.getOutputStream().write('G');
        return socket;
    }

    /** True if the proxy closed the connection (it refused it); false if it keeps it open waiting for a request. */
    private static boolean closedByProxy(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        InputStream in = socket.getInputStream();
        try {
            socket.setSoTimeout(1000);
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private double outcome(String listener, String outcome) {
        return snipool.registry().get("snipool.connections").tag("listener", listener).tag("outcome", outcome)
                .counter().count();
    }

    @Test
    void deniedNetworksAreClosedAtOnceIpv4AndIpv6() throws Exception {
        start("""
                listeners:
                  - { name: v4, bind: "127.0.0.1:0", mode: http, deny: ["127.0.0.0/8"],
                      routes: [ { hosts: ["*"], backends: ["127.0.0.1:1"] } ] }
                  - { name: v6, bind: "[::1]:0", mode: http, allow: ["2001:db8::/32"],
                      routes: [ { hosts: ["*"], backends: ["127.0.0.1:1"] } ] }
                  - { name: open, bind: "[::1]:0", mode: http, allow: ["::1"],
                      routes: [ { hosts: ["*"], backends: ["127.0.0.1:1"] } ] }
                """);

        assertThat(closedByProxy(connect("127.0.0.1", snipool.listenerPort("v4")))).isTrue();
        assertThat(closedByProxy(connect("::1", snipool.listenerPort("v6")))).as("::1 is outside the allow list")
                .isTrue();
        assertThat(closedByProxy(connect("::1", snipool.listenerPort("open")))).as("::1 is allowed").isFalse();
        assertThat(outcome("v4", "denied")).isEqualTo(1);
        assertThat(outcome("v6", "denied")).isEqualTo(1);
        assertThat(outcome("open", "denied")).isZero();
    }

    @Test
    void openConnectionsPerClientAtTheEdgeIpv6() throws Exception {
        start("""
                listeners:
                  - { name: web, bind: "[::1]:0", mode: http, max_connections_per_ip: 2,
                      routes: [ { hosts: ["*"], backends: ["127.0.0.1:1"] } ] }
                """);
        int port = snipool.listenerPort("web");
        Socket first = connect("::1", port);
        Socket second = connect("::1", port);
        Await.until(Await.SLOW_TIMEOUT, "both are accepted", () -> snipool.proxy().limiter().open(), open -> open == 2);

        assertThat(closedByProxy(connect("::1", port))).as("the third is over the limit").isTrue();
        assertThat(closedByProxy(first)).isFalse();
        assertThat(closedByProxy(second)).isFalse();
        assertThat(outcome("web", "over_ip_limit")).isEqualTo(1);

        first.close();
        Await.until(Await.SLOW_TIMEOUT, "the first is gone", () -> snipool.proxy().limiter().open(), open -> open == 1);
        assertThat(closedByProxy(connect("::1", port))).as("a freed place is taken again").isFalse();
    }

    @Test
    void newConnectionRatePerClientIpv4() throws Exception {
        start("""
                listeners:
                  - { name: web, bind: "127.0.0.1:0", mode: http, new_connections_per_ip: 1,
                      new_connections_burst_per_ip: 3, routes: [ { hosts: ["*"], backends: ["127.0.0.1:1"] } ] }
                """);
        int port = snipool.listenerPort("web");
        // All four at once, well inside one second: the bucket refills one token per second.
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sockets.add(connect("127.0.0.1", port));
        }
        int closed = 0;
        for (Socket socket : sockets) {
            closed += closedByProxy(socket) ? 1 : 0;
        }
        // Two event loops admit in parallel, so which one of the four is refused is not fixed; how many is.
        assertThat(closed).as("one past the burst of three").isEqualTo(1);
        assertThat(outcome("web", "over_ip_rate")).isEqualTo(1);
    }
}

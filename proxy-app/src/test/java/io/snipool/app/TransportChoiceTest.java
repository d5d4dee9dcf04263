package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.snipool.config.ConfigLoader;
import io.snipool.config.ProxyConfig;
import io.snipool.config.Transport;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The {@code transport} key: what each value runs on, on this Linux x86-64 machine, and the start-up it gives. */
class TransportChoiceTest {

    @Test
    void autoRunsOnIoUringWhereTheKernelAllowsItElseOnEpollWhichTheJarShipsForLinuxX8664() {
        TransportChoice choice = TransportChoice.of(Transport.AUTO);
        String expected = io.vertx.core.transport.Transport.IO_URING.available() ? "io_uring" : "epoll";
        assertThat(choice.name()).as(choice.logLine()).isEqualTo(expected);
        assertThat(choice.note()).isEmpty();
        assertThat(choice.logLine()).isEqualTo("transport " + expected);
    }

    @Test
    void aNamedNativeTransportRunsOrStopsTheStartSayingWhy() {
        assertThat(TransportChoice.of(Transport.EPOLL).name()).isEqualTo("epoll");
        // io_uring needs a kernel that allows it (5.14+, not disabled by a sysctl or a seccomp filter).
        if (io.vertx.core.transport.Transport.IO_URING.available()) {
            assertThat(TransportChoice.of(Transport.IO_URING).name()).isEqualTo("io_uring");
        } else {
            assertThatThrownBy(() -> TransportChoice.of(Transport.IO_URING)).isInstanceOf(StartupException.class)
                    .hasMessageStartingWith("transport io_uring cannot load: ")
                    .hasMessageEndingWith("; use transport: auto (or nio) on this machine");
        }
    }

    @Test
    void nioServesAndSaysSoInTheMetric() throws Exception {
        ProxyConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
                transport: nio
                listeners:
                  - { name: web, bind: "127.0.0.1:0", mode: http, routes: [ { hosts: [a.test], backends: ["127.0.0.1:1"] } ] }
                metrics: { bind: "127.0.0.1:0" }
                """, "test.yaml");
        Snipool snipool = Snipool.start(config, Duration.ofSeconds(30));
        try {
            assertThat(((io.vertx.core.internal.VertxInternal) snipool.vertx()).transport().getClass().getSimpleName())
                    .isEqualTo("NioTransport");
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), snipool.listenerPort("web"))) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .as("a request without Host is answered").startsWith("HTTP/1.1 400 ");
            }
            try (InputStream metrics = URI.create("http://127.0.0.1:" + snipool.adminPort() + "/metrics").toURL()
                    .openStream()) {
                assertThat(new String(metrics.readAllBytes(), StandardCharsets.UTF_8))
                        .contains("snipool_transport{transport=\"nio\"} 1.0")
                        .doesNotContain("transport=\"epoll\"");
            }
        } finally {
            snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}

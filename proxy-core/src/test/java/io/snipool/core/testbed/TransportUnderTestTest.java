package io.snipool.core.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The suite runs on the transport the pom asks for ({@code test.transport}: io_uring by default, as snipool's
 * {@code transport: auto} picks; {@code -Ptest-epoll}, {@code -Ptest-nio}), so every integration test here exercises
 * it. Where the kernel does not allow io_uring, Vert.x falls back to NIO, and this says so.
 */
@ExtendWith(VertxExtension.class)
class TransportUnderTestTest {

    private static final Map<String, String> IMPLEMENTATIONS = Map.of(
            "io_uring", "IoUringTransport", "epoll", "EpollTransport", "nio", "NioTransport");

    @Test
    void theInjectedVertxRunsOnTheTransportThePomAsksFor(Vertx vertx) {
        String wanted = System.getProperty("test.transport");
        assertThat(wanted).as("set by proxy-core's pom").isIn(IMPLEMENTATIONS.keySet());
        if (wanted.equals("io_uring") && !io.vertx.core.transport.Transport.IO_URING.available()) {
            wanted = "nio";
        }
        assertThat(((VertxInternal) vertx).transport().getClass().getSimpleName())
                .as("cause if native: " + vertx.unavailableNativeTransportCause())
                .isEqualTo(IMPLEMENTATIONS.get(wanted));
    }
}

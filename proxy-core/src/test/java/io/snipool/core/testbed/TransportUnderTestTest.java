package io.snipool.core.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The suite runs on the transport its options file asks for (the pom's {@code test.vertx.options}): the native
 * one by default, as snipool does, so every integration test here exercises epoll rather than NIO.
 */
@ExtendWith(VertxExtension.class)
class TransportUnderTestTest {

    @Test
    void theInjectedVertxRunsOnTheTransportTheOptionsFileAsksFor(Vertx vertx) throws Exception {
        String file = System.getProperty("vertx.parameter.filename");
        assertThat(file).as("set by the pom's surefire configuration").isNotBlank();
        boolean nativeWanted = new JsonObject(Files.readString(Path.of(file))).getBoolean("preferNativeTransport");
        assertThat(vertx.isNativeTransportEnabled()).as("native transport with " + file
                + (nativeWanted ? "; cause: " + vertx.unavailableNativeTransportCause() : "")).isEqualTo(nativeWanted);
        assertThat(((VertxInternal) vertx).transport().getClass().getSimpleName())
                .isEqualTo(nativeWanted ? "EpollTransport" : "NioTransport");
    }
}

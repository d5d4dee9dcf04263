package io.snipool.core.http2;

import static io.snipool.core.http2.RawH2Client.END_STREAM;
import static io.snipool.core.http2.RawH2Client.HEADERS;
import static io.snipool.core.http2.RawH2Client.SETTINGS;
import static io.snipool.core.http2.RawH2Client.WINDOW_UPDATE;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.Http2Limits;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a client hears first from a connection built by {@link Http2ServerCodecs} and {@link Http2ConnectionGuard}. */
class Http2ServerCodecsTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void theSettingsAndTheConnectionWindowComeFromTheLimits() throws Exception {
        Http2Limits limits = new Http2Limits(42, 8 * 1024, 1024, 32 * 1024, 128 * 1024, 4 * 1024 * 1024, 100, 200,
                Duration.ofSeconds(30), 100, 16, 2, Duration.ofSeconds(30));
        try (StandInServer server = new StandInServer(limits, 5);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();

            // Netty's codec raises the connection window a little itself; the guard raises it the rest of the way.
            int[] connectionWindow = {65_535};
            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == WINDOW_UPDATE && f.streamId() == 0
                    && (connectionWindow[0] += ByteBuffer.wrap(f.payload()).getInt()) >= 4 * 1024 * 1024, WAIT);

            RawH2Client.Frame settings = frames.get(0);
            assertThat(settings.type()).isEqualTo(SETTINGS);
            assertThat(parameters(settings.payload())).containsExactlyInAnyOrderEntriesOf(Map.of(
                    1, 1024L, 3, 42L, 4, 128L * 1024, 5, 32L * 1024, 6, 8L * 1024));
            // RFC 9113 §6.9.2: the connection window starts at 65,535.
            assertThat(connectionWindow[0]).isEqualTo(4 * 1024 * 1024);

            client.get(1, "/");
            List<RawH2Client.Frame> response = client.readUntil(
                    f -> (f.flags() & END_STREAM) != 0 && f.streamId() == 1, WAIT);
            RawH2Client.Frame head = response.stream().filter(f -> f.type() == HEADERS).findFirst().orElseThrow();
            assertThat(client.decode(head).status().toString()).isEqualTo("200");
            assertThat(server.backendRequests).hasValue(1);
        }
    }

    /** A client's GOAWAY is counted as received, by its error code. */
    @Test
    void aGoAwayFromTheClientIsCounted() throws Exception {
        try (StandInServer server = new StandInServer(Http2Limits.defaults(), 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.get(1, "/");
            client.readUntil(f -> f.streamId() == 1 && (f.flags() & END_STREAM) != 0, WAIT);

            client.frame(RawH2Client.GOAWAY, 0, 0, ByteBuffer.allocate(8).putInt(0).putInt(0xb).array());

            Http2Attacks.awaitCount("GOAWAY received", () -> {
                var counter = server.registry.find(io.snipool.core.metrics.Http2Meters.GOAWAYS)
                        .tag("direction", "received").tag("error", "enhance_your_calm").counter();
                return counter == null ? 0 : counter.count();
            }, 1);
        }
    }

    private static Map<Integer, Long> parameters(byte[] payload) {
        Map<Integer, Long> parameters = new HashMap<>();
        ByteBuffer buffer = ByteBuffer.wrap(payload);
        while (buffer.hasRemaining()) {
            parameters.put(buffer.getShort() & 0xffff, Integer.toUnsignedLong(buffer.getInt()));
        }
        return parameters;
    }
}

package io.snipool.core.http2;

import static io.snipool.core.http2.RawH2Client.END_STREAM;
import static io.snipool.core.http2.RawH2Client.HEADERS;
import static io.snipool.core.http2.RawH2Client.SETTINGS;
import static io.snipool.core.http2.RawH2Client.WINDOW_UPDATE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** What a client hears first from a connection built by {@link Http2ServerCodecs} and {@link Http2ConnectionGuard}. */
@ParameterizedClass(name = "through {0}")
@EnumSource(H2Server.Target.class)
class Http2ServerCodecsTest {

    private final H2Server.Target target;

    Http2ServerCodecsTest(H2Server.Target target) {
        this.target = target;
    }


    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void theSettingsAndTheConnectionWindowComeFromTheLimits() throws Exception {
        try (H2Server server = target.start("max_concurrent_streams: 42, max_header_list_size: 8KiB,"
                + " header_table_size: 1KiB, max_frame_size: 32KiB, initial_window_size: 128KiB,"
                + " connection_window_size: 4MiB", 5);
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
            Http2Attacks.awaitCount("backend requests", server::backendRequests, 1);
        }
    }

    /** A client's GOAWAY is counted as received, by its error code. */
    @Test
    void aGoAwayFromTheClientIsCounted() throws Exception {
        try (H2Server server = target.start("", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.get(1, "/");
            client.readUntil(f -> f.streamId() == 1 && (f.flags() & END_STREAM) != 0, WAIT);

            client.frame(RawH2Client.GOAWAY, 0, 0, ByteBuffer.allocate(8).putInt(0).putInt(0xb).array());

            Http2Attacks.awaitCount("GOAWAY received", () -> server.goAwaysReceived("enhance_your_calm"), 1);
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

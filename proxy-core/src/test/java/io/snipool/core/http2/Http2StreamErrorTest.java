package io.snipool.core.http2;

import static io.snipool.core.http2.Http2Attacks.WAIT;
import static io.snipool.core.http2.Http2Attacks.awaitRefusals;
import static io.snipool.core.http2.RawH2Client.DATA;
import static io.snipool.core.http2.RawH2Client.END_HEADERS;
import static io.snipool.core.http2.RawH2Client.END_STREAM;
import static io.snipool.core.http2.RawH2Client.GOAWAY;
import static io.snipool.core.http2.RawH2Client.HEADERS;
import static io.snipool.core.http2.RawH2Client.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.snipool.core.metrics.Http2Meters.Refusal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Errors on a stream that is already open (its head went on): the client hears the error code RFC 9113 names,
 * not the CANCEL that Netty's multiplexer would send when it closes the stream's channel, and the connection
 * lives on.
 */
@ParameterizedClass(name = "through {0}")
@EnumSource(H2Server.Target.class)
class Http2StreamErrorTest {

    private final H2Server.Target target;

    Http2StreamErrorTest(H2Server.Target target) {
        this.target = target;
    }


    /** RFC 9113 §6.9.1: a stream's window is initial_window_size; 1 byte more is FLOW_CONTROL_ERROR. */
    @Test
    void dataBeyondTheStreamWindowIsResetWithFlowControlError() throws Exception {
        try (H2Server server = target.start("initial_window_size: 1KiB", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.readUntil(f -> f.type() == RawH2Client.SETTINGS, WAIT);
            client.frame(RawH2Client.SETTINGS, RawH2Client.ACK, 0, new byte[0]);
            client.headers(1, RawH2Client.request("/upload"), END_HEADERS);
            // The window's worth and the byte beyond it in one write, so that both are read before the stream could
            // give the window back (a stream's consumed bytes are returned when the connection's read completes).
            byte[] full = RawH2Client.frames(DATA, 0, 1, new byte[1024], 1);
            byte[] over = RawH2Client.frames(DATA, 0, 1, new byte[1], 1);
            byte[] both = Arrays.copyOf(full, full.length + over.length);
            System.arraycopy(over, 0, both, full.length, over.length);
            client.raw(both);
            client.get(3, "/");

            List<RawH2Client.Frame> frames = client.readUntil(
                    f -> f.streamId() == 3 && (f.flags() & END_STREAM) != 0, WAIT);

            assertThat(frames).anyMatch(f -> f.isReset(1, Http2Error.FLOW_CONTROL_ERROR));
            assertThat(frames).noneMatch(f -> f.type() == GOAWAY);
            awaitRefusals(server, Refusal.FLOW_CONTROL, 1);
            // Stream 3 was answered, so its request reached the backend; stream 1's head may have been stopped first.
            assertThat(server.backendRequests()).isBetween(1, 2);
        }
    }

    /** RFC 9113 §8.1.1: DATA longer than the content-length makes the request malformed: PROTOCOL_ERROR. */
    @Test
    void aBodyLongerThanItsContentLengthIsResetWithProtocolError() throws Exception {
        try (H2Server server = target.start("", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.headers(1, RawH2Client.request("/upload").add("content-length", "3"), END_HEADERS);
            client.frame(DATA, END_STREAM, 1, new byte[4]);
            client.get(3, "/");

            List<RawH2Client.Frame> frames = client.readUntil(
                    f -> f.streamId() == 3 && (f.flags() & END_STREAM) != 0, WAIT);

            assertThat(frames).anyMatch(f -> f.isReset(1, Http2Error.PROTOCOL_ERROR));
            assertThat(frames).filteredOn(f -> f.type() == HEADERS).extracting(RawH2Client.Frame::streamId)
                    .containsExactly(3);
            assertThat(frames).filteredOn(f -> f.type() == RST_STREAM).hasSize(1);
            awaitRefusals(server, Refusal.MALFORMED, 1);
        }
    }
}

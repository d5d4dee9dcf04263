package io.snipool.core.http2;

import static io.snipool.core.http2.Http2Attacks.WAIT;
import static io.snipool.core.http2.Http2Attacks.awaitCount;
import static io.snipool.core.http2.Http2Attacks.awaitRefusals;
import static io.snipool.core.http2.RawH2Client.CONTINUATION;
import static io.snipool.core.http2.RawH2Client.DATA;
import static io.snipool.core.http2.RawH2Client.END_HEADERS;
import static io.snipool.core.http2.RawH2Client.END_STREAM;
import static io.snipool.core.http2.RawH2Client.HEADERS;
import static io.snipool.core.http2.RawH2Client.PING;
import static io.snipool.core.http2.RawH2Client.SETTINGS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.snipool.core.metrics.Http2Meters.Refusal;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The published floods, each sent by {@link RawH2Client} to the pipeline snipool builds: the connection ends with
 * GOAWAY and the right error code, the refusal is counted, and no more requests reach the backend than a
 * well-behaved client would have sent.
 */
@ParameterizedClass(name = "through {0}")
@EnumSource(H2Server.Target.class)
class Http2FloodAttackTest {

    private final H2Server.Target target;

    Http2FloodAttackTest(H2Server.Target target) {
        this.target = target;
    }


    /** CVE-2023-44487: HEADERS and RST_STREAM at once, again and again; the 11th reset closes the connection. */
    @Test
    void rapidResetIsClosedWithEnhanceYourCalm() throws Exception {
        try (H2Server server = target.start("max_resets_per_window: 10, reset_window: 30s", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            for (int stream = 1; stream <= 59; stream += 2) {
                client.get(stream, "/").rst(stream, Http2Error.CANCEL);
            }

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == RawH2Client.GOAWAY, WAIT);

            assertThat(frames).last()
                    .matches(f -> f.isGoAway(Http2Error.ENHANCE_YOUR_CALM), "GOAWAY ENHANCE_YOUR_CALM");
            client.readToEnd(WAIT);
            assertThat(client.closedByServer()).isTrue();
            awaitRefusals(server, Refusal.RAPID_RESET, 1);
            awaitCount("GOAWAY enhance_your_calm sent", () -> server.goAwaysSent("enhance_your_calm"), 1);
            // A well-behaved client cancelling 11 requests would have sent those 11 heads too; never the 30. One more
            // may be read: the head after the 11th reset can come in the same read, and the GOAWAY names the last
            // stream processed, so nothing past it is taken (RFC 9113 §6.8).
            assertThat(server.backendRequests()).isLessThanOrEqualTo(12);
        }
    }

    /**
     * MadeYouReset (CVE-2025-55163): frames that make snipool reset streams (a zero WINDOW_UPDATE on an open stream
     * is a stream error, RFC 9113 §6.9), on the same budget as the client's own resets.
     */
    @Test
    void resetsTheClientMakesSnipoolSendAreBoundedToo() throws Exception {
        try (H2Server server = target.start("max_resets_per_window: 10, reset_window: 30s", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            for (int stream = 1; stream <= 59; stream += 2) {
                client.headers(stream, RawH2Client.request("/upload"), END_HEADERS).windowUpdate(stream, 0);
            }

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == RawH2Client.GOAWAY, WAIT);

            assertThat(frames).last()
                    .matches(f -> f.isGoAway(Http2Error.ENHANCE_YOUR_CALM), "GOAWAY ENHANCE_YOUR_CALM");
            assertThat(frames).filteredOn(f -> f.type() == RawH2Client.RST_STREAM).hasSizeLessThanOrEqualTo(11)
                    .allMatch(f -> f.errorCode() == Http2Error.PROTOCOL_ERROR.code());
            awaitRefusals(server, Refusal.RAPID_RESET, 1);
            // Each head was complete, as a well-behaved client's would be: the defence bounds snipool's resets, and
            // the heads it read before the close (how many depends on how the bytes arrived) went on once each.
            assertThat(server.backendRequests()).isLessThanOrEqualTo(30);
        }
    }

    /** A header block that never ends, in CONTINUATION frames of a few bytes each (CVE-2024-27316 family). */
    @Test
    void smallContinuationFramesAreClosedWithEnhanceYourCalm() throws Exception {
        try (H2Server server = target.start("max_small_continuation_frames: 16", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            byte[] block = client.headerBlock(1, RawH2Client.request("/"));
            client.frame(HEADERS, END_STREAM, 1, block);
            // One write: frame by frame, a write after the server's close could meet its reset and fail the test
            // rather than the server.
            client.raw(RawH2Client.frames(CONTINUATION, 0, 1, new byte[] {0x40}, 200));

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == RawH2Client.GOAWAY, WAIT);

            assertThat(frames).last()
                    .matches(f -> f.isGoAway(Http2Error.ENHANCE_YOUR_CALM), "GOAWAY ENHANCE_YOUR_CALM");
            awaitRefusals(server, Refusal.CONTINUATION_FLOOD, 1);
            assertThat(server.backendRequests()).isZero();
        }
    }

    /** The same flood in full-size frames: stopped once the block passes max_header_list_size (plus Netty's 25%). */
    @Test
    void continuationPastTheHeaderListSizeIsClosedWithProtocolError() throws Exception {
        try (H2Server server = target.start("max_header_list_size: 16KiB", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.frame(HEADERS, END_STREAM, 1, client.headerBlock(1, RawH2Client.request("/")));
            int sent = 0;
            try {
                for (; sent < 64; sent++) {
                    client.frame(CONTINUATION, 0, 1, new byte[16 * 1024]);
                }
            } catch (IOException closedWhileSending) {
                // The server closed the connection while the flood was still being written: what it must do.
            }

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == RawH2Client.GOAWAY, WAIT);

            assertThat(frames).last().matches(f -> f.isGoAway(Http2Error.PROTOCOL_ERROR), "GOAWAY PROTOCOL_ERROR");
            awaitRefusals(server, Refusal.HEADER_LIST_TOO_LARGE, 1);
            assertThat(server.backendRequests()).isZero();
        }
    }

    /** CVE-2019-9515: SETTINGS frames from a client that never reads their acknowledgements. */
    @Test
    void aSettingsFloodFromAClientThatDoesNotReadIsClosed() throws Exception {
        floodWithoutReading(SETTINGS, new byte[0]);
    }

    /** CVE-2019-9512: the same with PING. */
    @Test
    void aPingFloodFromAClientThatDoesNotReadIsClosed() throws Exception {
        floodWithoutReading(PING, new byte[8]);
    }

    /**
     * The client reads nothing, so the acknowledgements pile up in snipool until max_queued_control_frames; the
     * connection is then closed with GOAWAY ENHANCE_YOUR_CALM. That GOAWAY sits behind the acknowledgements the
     * client never read, so the client may never see it: the test sees the close, and the GOAWAY counted as sent.
     */
    private void floodWithoutReading(int type, byte[] payload) throws Exception {
        try (H2Server server = target.start("max_queued_control_frames: 100", 0);
             RawH2Client client = new RawH2Client(server.port(), 4096)) {
            client.settings();
            byte[] batch = RawH2Client.frames(type, 0, 0, payload, 1000);
            boolean refused = false;
            // 20,000 batches is 180 MB of SETTINGS: far beyond any socket buffer, so the server must close first.
            for (int i = 0; i < 20_000 && !refused; i++) {
                try {
                    client.raw(batch);
                } catch (IOException closed) {
                    refused = true;
                }
            }

            assertThat(refused).as("the server closed the connection during the flood").isTrue();
            awaitRefusals(server, Refusal.CONTROL_FRAME_FLOOD, 1);
            awaitCount("GOAWAY enhance_your_calm sent", () -> server.goAwaysSent("enhance_your_calm"), 1);
            assertThat(server.backendRequests()).isZero();
        }
    }

    /** CVE-2019-9518: empty DATA frames without END_STREAM, which cost work and carry nothing. */
    @Test
    void emptyDataFramesAreClosedWithEnhanceYourCalm() throws Exception {
        try (H2Server server = target.start("max_consecutive_empty_data_frames: 2", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.headers(1, RawH2Client.request("/"), END_HEADERS);
            for (int i = 0; i < 10; i++) {
                client.frame(DATA, 0, 1, new byte[0]);
            }

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == RawH2Client.GOAWAY, WAIT);

            assertThat(frames).last()
                    .matches(f -> f.isGoAway(Http2Error.ENHANCE_YOUR_CALM), "GOAWAY ENHANCE_YOUR_CALM");
            awaitRefusals(server, Refusal.EMPTY_DATA_FLOOD, 1);
            // The head was complete and would have gone to a backend, as a well-behaved client's upload would.
            assertThat(server.backendRequests()).isLessThanOrEqualTo(1);
        }
    }
}

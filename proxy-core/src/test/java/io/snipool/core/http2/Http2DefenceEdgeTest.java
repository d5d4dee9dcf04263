package io.snipool.core.http2;

import static io.snipool.core.http2.Http2Attacks.WAIT;
import static io.snipool.core.http2.Http2Attacks.awaitCount;
import static io.snipool.core.http2.Http2Attacks.awaitRefusals;
import static io.snipool.core.http2.RawH2Client.ACK;
import static io.snipool.core.http2.RawH2Client.CONTINUATION;
import static io.snipool.core.http2.RawH2Client.DATA;
import static io.snipool.core.http2.RawH2Client.END_HEADERS;
import static io.snipool.core.http2.RawH2Client.END_STREAM;
import static io.snipool.core.http2.RawH2Client.GOAWAY;
import static io.snipool.core.http2.RawH2Client.HEADERS;
import static io.snipool.core.http2.RawH2Client.PING;
import static io.snipool.core.http2.RawH2Client.SETTINGS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.snipool.core.metrics.Http2Meters.Refusal;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The defences at their edges: as much as the limit allows passes and the connection lives on (a PING is still
 * answered), one more closes it with GOAWAY.
 */
@ParameterizedClass(name = "through {0}")
@EnumSource(H2Server.Target.class)
class Http2DefenceEdgeTest {

    private final H2Server.Target target;

    Http2DefenceEdgeTest(H2Server.Target target) {
        this.target = target;
    }


    private static boolean pingAck(RawH2Client.Frame frame) {
        return frame.type() == PING && (frame.flags() & ACK) != 0;
    }

    /** max_resets_per_window resets pass; the next one within reset_window is rapid reset. */
    @Test
    void theResetThatExceedsTheBudgetClosesTheConnection() throws Exception {
        try (H2Server server = target.start("max_resets_per_window: 10, reset_window: 30s", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            // Open streams: a complete GET could be answered, and its stream closed, before its reset is read
            // (a separate write, so perhaps a separate read), and a reset of a closed stream is not counted.
            for (int stream = 1; stream <= 19; stream += 2) {
                client.open(stream, "/").rst(stream, Http2Error.CANCEL);
            }
            client.ping(1);
            List<RawH2Client.Frame> tenResets = client.readUntil(Http2DefenceEdgeTest::pingAck, WAIT);
            assertThat(tenResets).noneMatch(f -> f.type() == GOAWAY).last().matches(Http2DefenceEdgeTest::pingAck);

            client.open(21, "/").rst(21, Http2Error.CANCEL);
            List<RawH2Client.Frame> eleventh = client.readUntil(f -> f.type() == GOAWAY, WAIT);

            assertThat(eleventh).last().matches(f -> f.isGoAway(Http2Error.ENHANCE_YOUR_CALM), "GOAWAY CALM");
            awaitRefusals(server, Refusal.RAPID_RESET, 1);
            assertThat(server.backendRequests()).isLessThanOrEqualTo(11);
        }
    }

    /** The reset budget is per reset_window: after the window, the count starts again. */
    @Test
    void resetsInTheNextWindowStartANewCount() throws Exception {
        try (H2Server server = target.start("max_resets_per_window: 3, reset_window: 1s", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            for (int stream = 1; stream <= 5; stream += 2) {
                client.get(stream, "/").rst(stream, Http2Error.CANCEL);
            }
            client.ping(1);
            assertThat(client.readUntil(Http2DefenceEdgeTest::pingAck, WAIT)).noneMatch(f -> f.type() == GOAWAY);
            // The clock of the scenario, not a wait for the server: the window must pass.
            Thread.sleep(1100);

            for (int stream = 7; stream <= 11; stream += 2) {
                client.get(stream, "/").rst(stream, Http2Error.CANCEL);
            }
            client.ping(2);

            assertThat(client.readUntil(Http2DefenceEdgeTest::pingAck, WAIT)).noneMatch(f -> f.type() == GOAWAY)
                    .last().matches(Http2DefenceEdgeTest::pingAck);
            assertThat(server.refusals(Refusal.RAPID_RESET)).isZero();
        }
    }

    /** A header block in max_small_continuation_frames small fragments is served; one more fragment is a flood. */
    @Test
    void theSmallContinuationEdge() throws Exception {
        try (H2Server server = target.start("max_small_continuation_frames: 4", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            sendInFragments(client, 1, 4);
            List<RawH2Client.Frame> served = client.readUntil(f -> f.streamId() == 1 && f.type() == HEADERS, WAIT);
            assertThat(served).last().matches(f -> f.type() == HEADERS && f.streamId() == 1, "stream 1 answered");

            sendInFragments(client, 3, 5);
            List<RawH2Client.Frame> refused = client.readUntil(f -> f.type() == GOAWAY, WAIT);

            assertThat(refused).last().matches(f -> f.isGoAway(Http2Error.ENHANCE_YOUR_CALM), "GOAWAY CALM");
            awaitRefusals(server, Refusal.CONTINUATION_FLOOD, 1);
            awaitCount("backend requests", server::backendRequests, 1);
        }
    }

    /** {@code max_consecutive_empty_data_frames} empty DATA frames pass; one more is a flood. */
    @Test
    void theEmptyDataEdge() throws Exception {
        try (H2Server server = target.start("max_consecutive_empty_data_frames: 3", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.headers(1, RawH2Client.request("/upload"), END_HEADERS);
            for (int i = 0; i < 3; i++) {
                client.frame(DATA, 0, 1, new byte[0]);
            }
            client.frame(DATA, END_STREAM, 1, new byte[] {1});
            List<RawH2Client.Frame> served = client.readUntil(f -> f.streamId() == 1 && f.type() == HEADERS, WAIT);
            assertThat(served).last().matches(f -> f.type() == HEADERS, "stream 1 answered");

            client.headers(3, RawH2Client.request("/upload"), END_HEADERS);
            for (int i = 0; i < 4; i++) {
                client.frame(DATA, 0, 3, new byte[0]);
            }
            List<RawH2Client.Frame> refused = client.readUntil(f -> f.type() == GOAWAY, WAIT);

            assertThat(refused).last().matches(f -> f.isGoAway(Http2Error.ENHANCE_YOUR_CALM), "GOAWAY CALM");
            awaitRefusals(server, Refusal.EMPTY_DATA_FLOOD, 1);
        }
    }

    /**
     * RFC 7541 §6.3: the client may size its HPACK table up to header_table_size; a larger size update is a
     * COMPRESSION_ERROR. The client acknowledges the server's SETTINGS first: a new limit binds the client only
     * from its acknowledgement on (RFC 9113 §6.5.3).
     */
    @Test
    void aTableSizeUpdateBeyondHeaderTableSizeIsACompressionError() throws Exception {
        try (H2Server server = target.start("header_table_size: 1KiB", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.readUntil(f -> f.type() == SETTINGS, WAIT);
            client.frame(SETTINGS, ACK, 0, new byte[0]);
            // 001xxxxx with a 5-bit prefix integer: 1024 = 31 + 993, 1025 = 31 + 994 (RFC 7541 §5.1, §6.3).
            client.frame(HEADERS, END_STREAM | END_HEADERS, 1,
                    concat(new byte[] {0x3f, (byte) 0xe1, 0x07}, client.headerBlock(1, RawH2Client.request("/"))));
            List<RawH2Client.Frame> served = client.readUntil(f -> f.streamId() == 1 && f.type() == HEADERS, WAIT);
            assertThat(served).last().matches(f -> f.type() == HEADERS, "stream 1 answered");

            client.frame(HEADERS, END_STREAM | END_HEADERS, 3,
                    concat(new byte[] {0x3f, (byte) 0xe2, 0x07}, client.headerBlock(3, RawH2Client.request("/"))));
            List<RawH2Client.Frame> refused = client.readUntil(f -> f.type() == GOAWAY, WAIT);

            assertThat(refused).last().matches(f -> f.isGoAway(Http2Error.COMPRESSION_ERROR), "GOAWAY COMPRESSION");
            awaitRefusals(server, Refusal.PROTOCOL_ERROR, 1);
            awaitCount("backend requests", server::backendRequests, 1);
        }
    }

    /** A request's header block as HEADERS plus CONTINUATION frames, {@code fragments} of them in all. */
    private static void sendInFragments(RawH2Client client, int stream, int fragments) throws Exception {
        byte[] block = client.headerBlock(stream, RawH2Client.request("/").add("x-pad", "p".repeat(64)));
        int size = block.length / fragments;
        for (int i = 0; i < fragments; i++) {
            int from = i * size;
            int to = i == fragments - 1 ? block.length : from + size;
            byte[] part = Arrays.copyOfRange(block, from, to);
            int flags = i == fragments - 1 ? END_HEADERS : 0;
            client.frame(i == 0 ? HEADERS : CONTINUATION, i == 0 ? flags | END_STREAM : flags, stream, part);
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.writeBytes(first);
        both.writeBytes(second);
        return both.toByteArray();
    }
}

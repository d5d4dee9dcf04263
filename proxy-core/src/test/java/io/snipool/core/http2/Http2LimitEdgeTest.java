package io.snipool.core.http2;

import static io.snipool.core.http2.Http2Attacks.WAIT;
import static io.snipool.core.http2.Http2Attacks.awaitCount;
import static io.snipool.core.http2.Http2Attacks.awaitRefusals;
import static io.snipool.core.http2.RawH2Client.DATA;
import static io.snipool.core.http2.RawH2Client.END_HEADERS;
import static io.snipool.core.http2.RawH2Client.END_STREAM;
import static io.snipool.core.http2.RawH2Client.GOAWAY;
import static io.snipool.core.http2.RawH2Client.HEADERS;
import static io.snipool.core.http2.RawH2Client.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.snipool.core.metrics.Http2Meters.Refusal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each {@code http2} limit at its edge, through {@link RawH2Client}: the last allowed is served, one more is
 * refused with the error code RFC 9113 names, counted, and kept from the backend.
 */
@ParameterizedClass(name = "through {0}")
@EnumSource(H2Server.Target.class)
class Http2LimitEdgeTest {

    private final H2Server.Target target;

    Http2LimitEdgeTest(H2Server.Target target) {
        this.target = target;
    }


    private static boolean endOf(RawH2Client.Frame frame, int stream) {
        return frame.streamId() == stream && (frame.flags() & END_STREAM) != 0
                && (frame.type() == HEADERS || frame.type() == DATA);
    }

    /** The {@code :status} of the response head on {@code stream}. */
    private static String status(RawH2Client client, List<RawH2Client.Frame> frames, int stream) throws Exception {
        RawH2Client.Frame head = frames.stream().filter(f -> f.type() == HEADERS && f.streamId() == stream)
                .findFirst().orElseThrow(() -> new AssertionError("no response head on stream " + stream + ": "
                        + frames));
        return client.decode(head).status().toString();
    }

    private static List<Integer> answered(List<RawH2Client.Frame> frames) {
        return frames.stream().filter(f -> f.type() == HEADERS).map(RawH2Client.Frame::streamId).toList();
    }

    /**
     * The 5th stream of a budget of 5 is served and named last in GOAWAY NO_ERROR; the 6th, already on its way, is
     * ignored (RFC 9113 §6.8: the client may retry it on a new connection); the connection closes after the 5th.
     */
    @Test
    void theStreamBudgetEndsTheConnectionWithNoError() throws Exception {
        try (H2Server server = target.start("max_requests_per_connection: 5", 10);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            for (int stream = 1; stream <= 11; stream += 2) {
                client.get(stream, "/");
            }

            List<RawH2Client.Frame> frames = client.readToEnd(WAIT);

            assertThat(client.closedByServer()).isTrue();
            assertThat(frames).filteredOn(f -> f.type() == GOAWAY).singleElement()
                    .matches(f -> f.isGoAway(Http2Error.NO_ERROR) && f.lastStreamId() == 9, "GOAWAY NO_ERROR last=9");
            assertThat(answered(frames)).containsExactlyInAnyOrder(1, 3, 5, 7, 9); // streams may finish in any order
            assertThat(frames).filteredOn(f -> endOf(f, 9)).hasSize(1);
            awaitCount("backend requests", server::backendRequests, 5);
            awaitRefusals(server, Refusal.STREAM_BUDGET, 1);
            awaitCount("GOAWAY no_error sent", () -> server.goAwaysSent("no_error"), 1);
        }
    }

    /**
     * A stream in flight when the budget runs out finishes: the connection stays open until it has. (A backend
     * that answers before the body, as the proxy target's does, may finish it sooner: the answer counts wherever it
     * comes.)
     */
    @Test
    void aStreamInFlightWhenTheBudgetRunsOutFinishes() throws Exception {
        try (H2Server server = target.start("max_requests_per_connection: 2", 10);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.headers(1, RawH2Client.request("/upload"), END_HEADERS);
            client.get(3, "/");
            List<RawH2Client.Frame> first = client.readUntil(f -> endOf(f, 3), WAIT);
            assertThat(first).filteredOn(f -> f.type() == GOAWAY).singleElement()
                    .matches(f -> f.isGoAway(Http2Error.NO_ERROR) && f.lastStreamId() == 3, "GOAWAY NO_ERROR last=3");
            assertThat(client.closedByServer()).isFalse();

            client.frame(DATA, END_STREAM, 1, new byte[] {'x'});
            List<RawH2Client.Frame> all = new ArrayList<>(first);
            all.addAll(client.readToEnd(WAIT));

            assertThat(all).filteredOn(f -> endOf(f, 1)).hasSize(1);
            assertThat(client.closedByServer()).isTrue();
            awaitCount("backend requests", server::backendRequests, 2);
        }
    }

    /** RFC 9113 §5.1.2: a stream beyond SETTINGS_MAX_CONCURRENT_STREAMS is refused with REFUSED_STREAM. */
    @Test
    void aStreamBeyondMaxConcurrentStreamsIsRefused() throws Exception {
        try (H2Server server = target.start("max_concurrent_streams: 2", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            // Heads without END_STREAM: the streams stay open, waiting for bodies.
            client.headers(1, RawH2Client.request("/"), END_HEADERS).headers(3, RawH2Client.request("/"), END_HEADERS)
                    .headers(5, RawH2Client.request("/"), END_HEADERS);

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.isReset(5, Http2Error.REFUSED_STREAM), WAIT);

            assertThat(frames).last().matches(f -> f.isReset(5, Http2Error.REFUSED_STREAM), "RST_STREAM 5 REFUSED");
            assertThat(frames).noneMatch(f -> f.type() == GOAWAY);
            awaitRefusals(server, Refusal.CONCURRENT_STREAMS, 1);
            awaitCount("backend requests", server::backendRequests, 2);
        }
    }

    /** A header list of exactly max_header_list_size (RFC 9113 §6.5.2 sizes: name + value + 32) is served. */
    @Test
    void aHeaderListOfExactlyTheLimitIsServedAndOneByteMoreIsAnswered431() throws Exception {
        try (H2Server server = target.start("max_header_list_size: 1KiB", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.headers(1, padded(1024), END_STREAM | END_HEADERS);
            List<RawH2Client.Frame> first = client.readUntil(f -> endOf(f, 1), WAIT);
            assertThat(status(client, first, 1)).isEqualTo("200");

            client.headers(3, padded(1025), END_STREAM | END_HEADERS);
            List<RawH2Client.Frame> second = client.readUntil(f -> endOf(f, 3) || f.type() == RST_STREAM, WAIT);

            assertThat(status(client, second, 3)).isEqualTo("431");
            assertThat(second).noneMatch(f -> f.type() == GOAWAY);
            awaitRefusals(server, Refusal.HEADER_LIST_TOO_LARGE, 1);
            awaitCount("backend requests", server::backendRequests, 1);
        }
    }

    /** Far over the limit the block is not even decoded: GOAWAY PROTOCOL_ERROR. */
    @Test
    void aHeaderListFarOverTheLimitClosesTheConnection() throws Exception {
        try (H2Server server = target.start("max_header_list_size: 1KiB", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.frame(HEADERS, END_STREAM | END_HEADERS, 1, client.headerBlock(1, padded(4096)));

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == GOAWAY, WAIT);

            assertThat(frames).last().matches(f -> f.isGoAway(Http2Error.PROTOCOL_ERROR), "GOAWAY PROTOCOL_ERROR");
            awaitRefusals(server, Refusal.HEADER_LIST_TOO_LARGE, 1);
            assertThat(server.backendRequests()).isZero();
        }
    }

    /** A frame of max_frame_size is read; one byte more is a connection error FRAME_SIZE_ERROR (RFC 9113 §4.2). */
    @Test
    void aFrameOverMaxFrameSizeClosesTheConnection() throws Exception {
        try (H2Server server = target.start("max_frame_size: 16KiB", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.headers(1, RawH2Client.request("/upload"), END_HEADERS);
            client.frame(DATA, 0, 1, new byte[16 * 1024]);
            client.frame(DATA, END_STREAM, 1, new byte[16 * 1024 + 1]);

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == GOAWAY, WAIT);

            assertThat(frames).last().matches(f -> f.isGoAway(Http2Error.FRAME_SIZE_ERROR), "GOAWAY FRAME_SIZE_ERROR");
            awaitRefusals(server, Refusal.FRAME_TOO_LARGE, 1);
            awaitCount("backend requests", server::backendRequests, 1);
        }
    }

    /**
     * RFC 9113 §8.2.1: a CR or LF in a field value (Netty's check), or white space at its end (snipool's), makes
     * the request malformed, a stream error PROTOCOL_ERROR; white space inside is fine.
     */
    @Test
    void aHeaderValueWithALineBreakOrTrailingSpaceIsResetBeforeAnyHandlerSeesIt() throws Exception {
        try (H2Server server = target.start("", 0);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings();
            client.headers(1, RawH2Client.request("/").add("x-smuggle", "a\r\nTransfer-Encoding: chunked"),
                    END_STREAM | END_HEADERS);
            client.headers(3, RawH2Client.request("/").add("x-trailing", "a\t"), END_STREAM | END_HEADERS);
            client.headers(5, RawH2Client.request("/").add("x-fine", "a b"), END_STREAM | END_HEADERS);

            List<RawH2Client.Frame> frames = client.readUntil(f -> endOf(f, 5), WAIT);

            assertThat(frames).anyMatch(f -> f.isReset(1, Http2Error.PROTOCOL_ERROR))
                    .anyMatch(f -> f.isReset(3, Http2Error.PROTOCOL_ERROR));
            assertThat(answered(frames)).containsExactly(5);
            awaitRefusals(server, Refusal.MALFORMED, 2);
            awaitCount("backend requests", server::backendRequests, 1);
        }
    }

    /** A response stuck on a zero window for window_stall_timeout is reset with PROTOCOL_ERROR (as nginx does). */
    @Test
    void aResponseStalledOnAZeroWindowIsReset() throws Exception {
        try (H2Server server = target.start("window_stall_timeout: 200ms", 100);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings(0x4, 0); // SETTINGS_INITIAL_WINDOW_SIZE: 0
            long start = System.nanoTime();
            client.get(1, "/");

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == RST_STREAM, WAIT);

            assertThat(frames).last()
                    .matches(f -> f.isReset(1, Http2Error.PROTOCOL_ERROR), "RST_STREAM PROTOCOL_ERROR");
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(200_000_000L);
            assertThat(frames).noneMatch(f -> f.type() == DATA);
            awaitRefusals(server, Refusal.WINDOW_STALL, 1);
            awaitCount("backend requests", server::backendRequests, 1);
        }
    }

    /**
     * A stalled response too large for snipool's buffers: the backend connection it was read from, paused
     * half-way, is closed with the reset, never pooled.
     */
    @Test
    void aStalledResponseLosesItsBackendConnection() throws Exception {
        try (H2Server server = target.start("window_stall_timeout: 200ms", 1024 * 1024);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings(0x4, 0);
            client.get(1, "/");

            List<RawH2Client.Frame> frames = client.readUntil(f -> f.type() == RST_STREAM, WAIT);

            assertThat(frames).last()
                    .matches(f -> f.isReset(1, Http2Error.PROTOCOL_ERROR), "RST_STREAM PROTOCOL_ERROR");
            awaitRefusals(server, Refusal.WINDOW_STALL, 1);
            awaitCount("backend connections closed", () -> -server.openBackendConnections(), 0);
        }
    }

    /** A WINDOW_UPDATE within the timeout is progress: the response completes and nothing is reset. */
    @Test
    void aWindowUpdateInTimeLetsTheResponseFinish() throws Exception {
        try (H2Server server = target.start("window_stall_timeout: 2s", 100);
             RawH2Client client = new RawH2Client(server.port())) {
            client.settings(0x4, 0);
            client.get(1, "/");
            List<RawH2Client.Frame> head = client.readUntil(f -> f.type() == HEADERS && f.streamId() == 1, WAIT);
            assertThat(answered(head)).containsExactly(1);

            client.windowUpdate(1, 100);
            List<RawH2Client.Frame> rest = client.readUntil(f -> endOf(f, 1) || f.type() == RST_STREAM, WAIT);

            assertThat(rest).last().matches(f -> endOf(f, 1) && f.type() == DATA, "the body's last DATA frame");
            assertThat(server.refusals(Refusal.WINDOW_STALL)).isZero();
        }
    }

    /** The request of {@link RawH2Client#request} padded with one field to {@code size} bytes as §6.5.2 counts. */
    private static Http2Headers padded(int size) {
        Http2Headers headers = RawH2Client.request("/");
        int used = 0;
        for (var field : headers) {
            used += field.getKey().length() + field.getValue().length() + 32;
        }
        return headers.add("x-pad", "p".repeat(size - used - "x-pad".length() - 32));
    }
}

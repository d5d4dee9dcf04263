package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.pool.EvictionReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The reuse decision over every combination of what an exchange can observe. */
class ReusePolicyTest {

    /** The nine facts the decision reads, one bit each, in a row so that every combination can be enumerated. */
    private record Row(boolean requestBodyComplete, boolean responseBodyComplete, boolean responseIsHttp10,
                       boolean responseKeepAlive, boolean responseConnectionClose, boolean responseCloseDelimited,
                       boolean upgraded, boolean unexpectedBytes, boolean requestContentWithoutMeaning) {

        ReusePolicy.Reuse decide() {
            return ReusePolicy.decide(new ReusePolicy.RequestSeen(requestBodyComplete, requestContentWithoutMeaning),
                    new ReusePolicy.ResponseSeen(new ResponseFraming(responseIsHttp10, responseKeepAlive,
                            responseConnectionClose, responseCloseDelimited, Optional.empty()),
                            responseBodyComplete, upgraded, unexpectedBytes));
        }
    }

    private static final ReusePolicy.Reuse RECYCLE = new ReusePolicy.Recycle(Optional.empty());
    private static final ReusePolicy.Reuse ERROR = new ReusePolicy.Close(EvictionReason.ERROR);
    private static final ReusePolicy.Reuse NOT_REUSABLE = new ReusePolicy.Close(EvictionReason.NOT_REUSABLE);

    @Test
    void everyCombination() {
        List<String> reused = new ArrayList<>();
        for (int bits = 0; bits < 512; bits++) {
            Row seen = observed(bits);
            ReusePolicy.Reuse decision = seen.decide();
            assertThat(decision).as(seen.toString()).isEqualTo(expected(seen));
            if (decision instanceof ReusePolicy.Recycle) {
                reused.add(seen.toString());
            }
        }
        // Exactly three rows keep the connection: a clean HTTP/1.1 exchange with or without a keep-alive token,
        // and a clean HTTP/1.0 one with it.
        assertThat(reused).hasSize(3);
    }

    @Test
    void namedRows() {
        Row clean = new Row(true, true, false, false, false, false, false, false, false);
        assertThat(clean.decide()).isEqualTo(RECYCLE);
        assertThat(new Row(true, true, true, true, false, false, false, false, false).decide())
                .as("HTTP/1.0 response with Connection: keep-alive").isEqualTo(RECYCLE);
        assertThat(new Row(true, true, true, false, false, false, false, false, false).decide())
                .as("HTTP/1.0 response without keep-alive").isEqualTo(NOT_REUSABLE);
        assertThat(new Row(false, true, false, false, false, false, false, false, false).decide())
                .as("request body not fully sent").isEqualTo(ERROR);
        assertThat(new Row(true, true, false, false, false, false, false, true, false).decide())
                .as("bytes after the response").isEqualTo(ERROR);
        assertThat(new Row(true, true, false, true, true, false, false, false, false).decide())
                .as("Connection: close wins over keep-alive").isEqualTo(NOT_REUSABLE);
        assertThat(new Row(true, true, false, false, false, true, false, false, false).decide())
                .as("close-delimited body").isEqualTo(NOT_REUSABLE);
        assertThat(new Row(true, true, false, false, false, false, true, false, false).decide())
                .as("upgraded").isEqualTo(NOT_REUSABLE);
        assertThat(new Row(true, true, false, true, false, false, false, false, true).decide())
                .as("a GET that carried a body").isEqualTo(NOT_REUSABLE);
    }

    @Test
    void recycleCarriesTheBackendsKeepAliveTimeout() {
        ResponseFraming framing = new ResponseFraming(false, true, false, false, Optional.of(Duration.ofSeconds(5)));
        assertThat(ReusePolicy.decide(new ReusePolicy.RequestSeen(true, false),
                new ReusePolicy.ResponseSeen(framing, true, false, false)))
                .isEqualTo(new ReusePolicy.Recycle(Optional.of(Duration.ofSeconds(5))));
        ResponseFraming closing = new ResponseFraming(false, false, true, false, Optional.of(Duration.ofSeconds(5)));
        assertThat(ReusePolicy.decide(new ReusePolicy.RequestSeen(true, false),
                new ReusePolicy.ResponseSeen(closing, true, false, false)))
                .as("a keep-alive hint does not save a closing connection").isEqualTo(NOT_REUSABLE);
    }

    @Test
    void methodsWhoseContentHasNoMeaning() {
        assertThat(List.of("GET", "HEAD", "DELETE", "TRACE")).allMatch(ReusePolicy::contentWithoutMeaning);
        assertThat(List.of("POST", "PUT", "PATCH", "OPTIONS", "get")).noneMatch(ReusePolicy::contentWithoutMeaning);
    }

    /** The rule as the issue states it, written independently of the implementation's order of checks. */
    private static ReusePolicy.Reuse expected(Row seen) {
        if (seen.upgraded()) {
            return NOT_REUSABLE;
        }
        boolean damaged = !seen.requestBodyComplete() || !seen.responseBodyComplete() || seen.unexpectedBytes();
        if (damaged) {
            return ERROR;
        }
        boolean peerEnds = seen.responseConnectionClose() || seen.responseCloseDelimited()
                || (seen.responseIsHttp10() && !seen.responseKeepAlive()) || seen.requestContentWithoutMeaning();
        return peerEnds ? NOT_REUSABLE : RECYCLE;
    }

    private static Row observed(int bits) {
        return new Row(bit(bits, 0), bit(bits, 1), bit(bits, 2), bit(bits, 3), bit(bits, 4), bit(bits, 5),
                bit(bits, 6), bit(bits, 7), bit(bits, 8));
    }

    private static boolean bit(int bits, int index) {
        return (bits & (1 << index)) != 0;
    }
}

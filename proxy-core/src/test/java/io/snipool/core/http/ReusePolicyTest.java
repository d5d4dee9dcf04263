package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.pool.EvictionReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reuse decision over every combination of what an exchange can observe. */
class ReusePolicyTest {

    @Test
    void everyCombination() {
        List<String> reused = new ArrayList<>();
        for (int bits = 0; bits < 512; bits++) {
            ReusePolicy.Observed seen = observed(bits);
            EvictionReason decision = ReusePolicy.decide(seen);
            assertThat(decision).as(seen.toString()).isEqualTo(expected(seen));
            if (decision == null) {
                reused.add(seen.toString());
            }
        }
        // Exactly three rows keep the connection: a clean HTTP/1.1 exchange with or without a keep-alive token,
        // and a clean HTTP/1.0 one with it.
        assertThat(reused).hasSize(3);
    }

    @Test
    void namedRows() {
        ReusePolicy.Observed clean = row(true, true, false, false, false, false, false, false, false);
        assertThat(ReusePolicy.decide(clean)).isNull();
        assertThat(ReusePolicy.decide(row(true, true, true, true, false, false, false, false, false)))
                .as("HTTP/1.0 response with Connection: keep-alive").isNull();
        assertThat(ReusePolicy.decide(row(true, true, true, false, false, false, false, false, false)))
                .as("HTTP/1.0 response without keep-alive").isEqualTo(EvictionReason.NOT_REUSABLE);
        assertThat(ReusePolicy.decide(row(false, true, false, false, false, false, false, false, false)))
                .as("request body not fully sent").isEqualTo(EvictionReason.ERROR);
        assertThat(ReusePolicy.decide(row(true, true, false, false, false, false, false, true, false)))
                .as("bytes after the response").isEqualTo(EvictionReason.ERROR);
        assertThat(ReusePolicy.decide(row(true, true, false, true, true, false, false, false, false)))
                .as("Connection: close wins over keep-alive").isEqualTo(EvictionReason.NOT_REUSABLE);
        assertThat(ReusePolicy.decide(row(true, true, false, false, false, true, false, false, false)))
                .as("close-delimited body").isEqualTo(EvictionReason.NOT_REUSABLE);
        assertThat(ReusePolicy.decide(row(true, true, false, false, false, false, true, false, false)))
                .as("upgraded").isEqualTo(EvictionReason.NOT_REUSABLE);
        assertThat(ReusePolicy.decide(row(true, true, false, true, false, false, false, false, true)))
                .as("a GET that carried a body").isEqualTo(EvictionReason.NOT_REUSABLE);
    }

    @Test
    void methodsWhoseContentHasNoMeaning() {
        assertThat(List.of("GET", "HEAD", "DELETE", "TRACE")).allMatch(ReusePolicy::contentWithoutMeaning);
        assertThat(List.of("POST", "PUT", "PATCH", "OPTIONS", "get")).noneMatch(ReusePolicy::contentWithoutMeaning);
    }

    /** The rule as the issue states it, written independently of the implementation's order of checks. */
    private static EvictionReason expected(ReusePolicy.Observed seen) {
        if (seen.upgraded()) {
            return EvictionReason.NOT_REUSABLE;
        }
        boolean damaged = !seen.requestBodyComplete() || !seen.responseBodyComplete() || seen.unexpectedBytes();
        if (damaged) {
            return EvictionReason.ERROR;
        }
        boolean peerEnds = seen.responseConnectionClose() || seen.responseCloseDelimited()
                || (seen.responseIsHttp10() && !seen.responseKeepAlive()) || seen.requestContentWithoutMeaning();
        return peerEnds ? EvictionReason.NOT_REUSABLE : null;
    }

    /** One row, in the order of {@link ReusePolicy.Observed}'s components. */
    private static ReusePolicy.Observed row(boolean requestBodyComplete, boolean responseBodyComplete,
                                            boolean responseIsHttp10, boolean responseKeepAlive,
                                            boolean responseConnectionClose, boolean responseCloseDelimited,
                                            boolean upgraded, boolean unexpectedBytes,
                                            boolean requestContentWithoutMeaning) {
        return new ReusePolicy.Observed(requestBodyComplete, responseBodyComplete, responseIsHttp10,
                responseKeepAlive, responseConnectionClose, responseCloseDelimited, upgraded, unexpectedBytes,
                requestContentWithoutMeaning);
    }

    private static ReusePolicy.Observed observed(int bits) {
        return new ReusePolicy.Observed(bit(bits, 0), bit(bits, 1), bit(bits, 2), bit(bits, 3), bit(bits, 4),
                bit(bits, 5), bit(bits, 6), bit(bits, 7), bit(bits, 8));
    }

    private static boolean bit(int bits, int index) {
        return (bits & (1 << index)) != 0;
    }
}

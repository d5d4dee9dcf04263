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
        for (int bits = 0; bits < 256; bits++) {
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
        ReusePolicy.Observed clean = new ReusePolicy.Observed(true, true, false, false, false, false, false, false);
        assertThat(ReusePolicy.decide(clean)).isNull();
        assertThat(ReusePolicy.decide(new ReusePolicy.Observed(true, true, true, true, false, false, false, false)))
                .as("HTTP/1.0 response with Connection: keep-alive").isNull();
        assertThat(ReusePolicy.decide(new ReusePolicy.Observed(true, true, true, false, false, false, false, false)))
                .as("HTTP/1.0 response without keep-alive").isEqualTo(EvictionReason.NOT_REUSABLE);
        assertThat(ReusePolicy.decide(new ReusePolicy.Observed(false, true, false, false, false, false, false, false)))
                .as("request body not fully sent").isEqualTo(EvictionReason.ERROR);
        assertThat(ReusePolicy.decide(new ReusePolicy.Observed(true, true, false, false, false, false, false, true)))
                .as("bytes after the response").isEqualTo(EvictionReason.ERROR);
        assertThat(ReusePolicy.decide(new ReusePolicy.Observed(true, true, false, true, true, false, false, false)))
                .as("Connection: close wins over keep-alive").isEqualTo(EvictionReason.NOT_REUSABLE);
        assertThat(ReusePolicy.decide(new ReusePolicy.Observed(true, true, false, false, false, true, false, false)))
                .as("close-delimited body").isEqualTo(EvictionReason.NOT_REUSABLE);
        assertThat(ReusePolicy.decide(new ReusePolicy.Observed(true, true, false, false, false, false, true, false)))
                .as("upgraded").isEqualTo(EvictionReason.NOT_REUSABLE);
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
                || (seen.responseIsHttp10() && !seen.responseKeepAlive());
        return peerEnds ? EvictionReason.NOT_REUSABLE : null;
    }

    private static ReusePolicy.Observed observed(int bits) {
        return new ReusePolicy.Observed(bit(bits, 0), bit(bits, 1), bit(bits, 2), bit(bits, 3), bit(bits, 4),
                bit(bits, 5), bit(bits, 6), bit(bits, 7));
    }

    private static boolean bit(int bits, int index) {
        return (bits & (1 << index)) != 0;
    }
}

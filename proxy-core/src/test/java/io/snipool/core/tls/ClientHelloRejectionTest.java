package io.snipool.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The metric labels are a fixed, documented set, and alerts go only to clients known to speak TLS. */
class ClientHelloRejectionTest {

    @Test
    void labels_are_the_documented_bounded_set() {
        assertThat(Arrays.stream(HelloRejection.values()).map(HelloRejection::label)).containsExactly(
                "not_tls", "sslv2", "wrong_handshake_type", "malformed", "duplicate_extension", "duplicate_sni",
                "invalid_sni", "too_large", "timeout");
    }

    @Test
    void no_alert_unless_the_peer_speaks_tls() {
        EnumSet<HelloRejection> silent = EnumSet.of(HelloRejection.NOT_TLS, HelloRejection.SSLV2,
                HelloRejection.TIMEOUT);
        for (HelloRejection rejection : HelloRejection.values()) {
            assertThat(rejection.alertDescription().isPresent()).as(rejection.label())
                    .isEqualTo(!silent.contains(rejection));
        }
    }

    @Test
    void alert_codes_follow_rfc_8446_section_6() {
        assertThat(HelloRejection.MALFORMED.alertDescription()).isEqualTo(OptionalInt.of(50));
        assertThat(HelloRejection.WRONG_HANDSHAKE_TYPE.alertDescription()).isEqualTo(OptionalInt.of(10));
        assertThat(HelloRejection.INVALID_SNI.alertDescription()).isEqualTo(OptionalInt.of(112));
        assertThat(HelloRejection.DUPLICATE_SNI.alertDescription()).isEqualTo(OptionalInt.of(47));
    }
}

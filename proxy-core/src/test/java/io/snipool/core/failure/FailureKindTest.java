package io.snipool.core.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.core.metrics.ProxyMetrics;
import io.snipool.core.tunnel.TlsAlert;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The failure table: what each kind answers, and that the two groups do not mix. */
class FailureKindTest {

    @Test
    void theRequestKindsAnswerWithTheirStatus() {
        Map<FailureKind, Integer> statuses = Arrays.stream(FailureKind.values()).filter(FailureKind::isRequestKind)
                .collect(Collectors.toMap(kind -> kind, FailureKind::status));
        assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry(FailureKind.BAD_REQUEST, 400), Map.entry(FailureKind.BAD_BODY, 400),
                Map.entry(FailureKind.HEAD_TIMEOUT, 408), Map.entry(FailureKind.URI_TOO_LONG, 414),
                Map.entry(FailureKind.HEAD_TOO_LARGE, 431), Map.entry(FailureKind.NOT_IMPLEMENTED, 501),
                Map.entry(FailureKind.VERSION_NOT_SUPPORTED, 505), Map.entry(FailureKind.MISDIRECTED, 421),
                Map.entry(FailureKind.CLIENT_ABORTED, 499), Map.entry(FailureKind.NO_BACKEND, 503),
                Map.entry(FailureKind.CONNECT_FAILED, 502), Map.entry(FailureKind.BACKEND_BROKE, 502),
                Map.entry(FailureKind.RESPONSE_TIMEOUT, 504), Map.entry(FailureKind.REPLAY_TOO_LARGE, 502),
                Map.entry(FailureKind.EXCHANGE_IDLE, 504)));
    }

    @Test
    void requestKindsAreRefusedInTheLogButAClientThatLeftIsNot() {
        for (FailureKind kind : FailureKind.values()) {
            if (kind.isRequestKind()) {
                assertThat(kind.outcome()).as(kind.toString())
                        .isEqualTo(kind == FailureKind.CLIENT_ABORTED ? "client_closed" : FailureKind.REFUSED);
                assertThat(kind.alert()).as(kind.toString()).isEmpty();
            }
        }
    }

    @Test
    void connectionKindsHaveNoStatus() {
        assertThatThrownBy(FailureKind.OVER_LIMIT::status).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OVER_LIMIT");
        assertThat(FailureKind.UNKNOWN_NAME.alert()).hasValue(TlsAlert.UNRECOGNIZED_NAME);
        assertThat(FailureKind.NO_SNI.alert()).hasValue(TlsAlert.UNRECOGNIZED_NAME);
        assertThat(FailureKind.HELLO_TIMEOUT.alert()).as("a stalled peer gets no alert").isEmpty();
    }

    @Test
    void everyConnectionKindCountsUnderAConnectionOutcome() {
        ProxyMetrics.ListenerMeters meters = new ProxyMetrics(new SimpleMeterRegistry()).listener("l");
        for (FailureKind kind : FailureKind.values()) {
            if (!kind.isRequestKind()) {
                assertThat(Arrays.stream(ProxyMetrics.Outcome.values()).map(ProxyMetrics.Outcome::label))
                        .as(kind.toString()).contains(kind.outcome());
                meters.refused(kind);
            }
        }
    }

    @Test
    void aFailureSaysWhetherARetryIsSafe() {
        assertThat(Failure.beforeSending(FailureKind.CONNECT_FAILED, "x").retrySafe()).isTrue();
        assertThat(Failure.of(FailureKind.BACKEND_BROKE, "x").retrySafe()).isFalse();
        assertThat(Failure.of(FailureKind.BACKEND_BROKE, "x").side()).isEqualTo(Side.BACKEND);
        assertThat(Failure.of(FailureKind.MISDIRECTED, "no route").toString()).isEqualTo("misdirected: no route");
    }
}

package io.snipool.core.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.config.ListenerConfig;
import io.snipool.core.failure.FailureKind;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Client lists and per-client limits, on a clock the test moves. */
class ClientAdmissionTest {

    private long now = 1_000_000_000L;

    private ClientAdmission admission(String listenerKeys) throws Exception {
        ListenerConfig listener = new ConfigLoader(n -> null).parse("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:0
                    mode: http
                %s
                    routes: [ { hosts: ["*"], backends: ["127.0.0.1:1"] } ]
                """.formatted(listenerKeys.indent(4).stripTrailing()), "t.yaml").listeners().get(0);
        return new ClientAdmission(listener, () -> now);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    private static FailureKind refusal(ClientAdmission.Decision decision) {
        return decision instanceof ClientAdmission.Refused refused ? refused.failure().kind() : null;
    }

    @Test
    void denyWinsOverAllow() throws Exception {
        ClientAdmission admission = admission("allow: [\"10.0.0.0/8\"]\ndeny: [\"10.1.0.0/16\"]");

        assertThat(admission.admit(ip("10.2.3.4"))).isInstanceOf(ClientAdmission.Admitted.class);
        assertThat(refusal(admission.admit(ip("10.1.3.4")))).isEqualTo(FailureKind.DENIED);
        assertThat(refusal(admission.admit(ip("192.0.2.1")))).as("not in a non-empty allow list")
                .isEqualTo(FailureKind.DENIED);
        assertThat(refusal(admission.admit(ip("::ffff:10.1.0.9")))).as("IPv4-mapped counts as IPv4")
                .isEqualTo(FailureKind.DENIED);
    }

    @Test
    void ipv6ListsMatchIpv6Clients() throws Exception {
        ClientAdmission admission = admission("deny: [\"2001:db8:bad::/48\"]");

        assertThat(refusal(admission.admit(ip("2001:db8:bad:1::7")))).isEqualTo(FailureKind.DENIED);
        assertThat(admission.admit(ip("2001:db8:900d::1"))).isInstanceOf(ClientAdmission.Admitted.class);
    }

    @Test
    void openConnectionsPerClientAtTheEdge() throws Exception {
        ClientAdmission admission = admission("max_connections_per_ip: 3\nnew_connections_per_ip: 0");
        List<ClientAdmission.Ticket> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(((ClientAdmission.Admitted) admission.admit(ip("192.0.2.1"))).ticket());
        }

        assertThat(refusal(admission.admit(ip("192.0.2.1")))).isEqualTo(FailureKind.OVER_IP_LIMIT);
        assertThat(admission.admit(ip("192.0.2.2"))).as("another client is not affected")
                .isInstanceOf(ClientAdmission.Admitted.class);
        open.get(0).release();
        open.get(0).release();
        assertThat(admission.admit(ip("192.0.2.1"))).as("a released place is free again, once")
                .isInstanceOf(ClientAdmission.Admitted.class);
        assertThat(refusal(admission.admit(ip("192.0.2.1")))).isEqualTo(FailureKind.OVER_IP_LIMIT);
    }

    @Test
    void ipv6ClientsAreGroupedByPrefix() throws Exception {
        ClientAdmission admission = admission("max_connections_per_ip: 2\nnew_connections_per_ip: 0");

        admission.admit(ip("2001:db8:1:2::1"));
        admission.admit(ip("2001:db8:1:2:ffff::9"));
        assertThat(refusal(admission.admit(ip("2001:db8:1:2::abcd")))).as("same /64")
                .isEqualTo(FailureKind.OVER_IP_LIMIT);
        assertThat(admission.admit(ip("2001:db8:1:3::1"))).as("next /64").isInstanceOf(ClientAdmission.Admitted.class);
    }

    @Test
    void aShorterIpv6PrefixGroupsMore() throws Exception {
        ClientAdmission admission = admission("max_connections_per_ip: 1\nnew_connections_per_ip: 0\nipv6_group_prefix: 48");

        admission.admit(ip("2001:db8:1:2::1"));
        assertThat(refusal(admission.admit(ip("2001:db8:1:ff::1")))).isEqualTo(FailureKind.OVER_IP_LIMIT);
    }

    @Test
    void newConnectionRateIsATokenBucket() throws Exception {
        ClientAdmission admission = admission(
                "max_connections_per_ip: 0\nnew_connections_per_ip: 10\nnew_connections_burst_per_ip: 5");
        for (int i = 0; i < 5; i++) {
            assertThat(admission.admit(ip("192.0.2.1"))).as("burst " + i).isInstanceOf(ClientAdmission.Admitted.class);
        }
        assertThat(refusal(admission.admit(ip("192.0.2.1")))).isEqualTo(FailureKind.OVER_IP_RATE);

        now += TimeUnit.MILLISECONDS.toNanos(99);
        assertThat(refusal(admission.admit(ip("192.0.2.1")))).as("0.99 of a token after 99 ms at 10/s")
                .isEqualTo(FailureKind.OVER_IP_RATE);
        now += TimeUnit.MILLISECONDS.toNanos(1);
        assertThat(admission.admit(ip("192.0.2.1"))).as("one token after 100 ms")
                .isInstanceOf(ClientAdmission.Admitted.class);
        now += TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < 5; i++) {
            assertThat(admission.admit(ip("192.0.2.1"))).as("refilled only up to the burst")
                    .isInstanceOf(ClientAdmission.Admitted.class);
        }
        assertThat(refusal(admission.admit(ip("192.0.2.1")))).isEqualTo(FailureKind.OVER_IP_RATE);
    }

    @Test
    void forgottenClientsAreSweptAway() throws Exception {
        ClientAdmission admission = admission(
                "max_connections_per_ip: 10\nnew_connections_per_ip: 1000\nnew_connections_burst_per_ip: 10");
        for (int i = 0; i < 1100; i++) {
            ClientAdmission.Decision decision = admission.admit(ip("10.0." + (i / 250) + "." + (i % 250)));
            ((ClientAdmission.Admitted) decision).ticket().release();
            now += TimeUnit.MILLISECONDS.toNanos(10);
        }
        assertThat(admission.groupCount()).as("closed and refilled clients are forgotten").isLessThan(1100);
    }

    @Test
    void theShippedDefaultsRefuseNoClient() throws Exception {
        ClientAdmission admission = admission("");
        for (int i = 0; i < 100_000; i++) {
            assertThat(admission.admit(ip("192.0.2.1"))).as("connection " + i + ", all at one instant, all kept open")
                    .isInstanceOf(ClientAdmission.Admitted.class);
            assertThat(admission.admit(ip("2001:db8::1"))).isInstanceOf(ClientAdmission.Admitted.class);
        }
        assertThat(admission.groupCount()).as("nothing to remember with both limits off").isZero();
    }

    @Test
    void aBurstWithoutARateLimitsNothing() throws Exception {
        ClientAdmission admission = admission("max_connections_per_ip: 3\nnew_connections_burst_per_ip: 1");
        for (int i = 0; i < 1000; i++) {
            ClientAdmission.Ticket ticket = ((ClientAdmission.Admitted) admission.admit(ip("192.0.2.1"))).ticket();
            ticket.release();
        }
        for (int i = 0; i < 3; i++) {
            assertThat(admission.admit(ip("192.0.2.1"))).as("a burst of 1 does not bound open connections")
                    .isInstanceOf(ClientAdmission.Admitted.class);
        }
        assertThat(refusal(admission.admit(ip("192.0.2.1")))).as("only the open-connection limit")
                .isEqualTo(FailureKind.OVER_IP_LIMIT);
    }

    @Test
    void zeroMeansUnlimited() throws Exception {
        ClientAdmission admission = admission("max_connections_per_ip: 0\nnew_connections_per_ip: 0");
        for (int i = 0; i < 5000; i++) {
            assertThat(admission.admit(ip("192.0.2.1"))).isInstanceOf(ClientAdmission.Admitted.class);
        }
        assertThat(admission.groupCount()).isZero();
    }
}

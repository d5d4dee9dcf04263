package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPort;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackendTargetTest {

    @Test
    void staticBackendIsItsConfiguredAddress() {
        assertThat(BackendTarget.expand(BackendTemplate.parse("backend.internal:8443"), Map.of("host", "a.test")))
                .isEqualTo(new BackendTarget.Static(new HostPort("backend.internal", 8443)));
        assertThat(BackendTarget.expand(BackendTemplate.parse("[2001:db8::1]:443"), Map.of()))
                .isEqualTo(new BackendTarget.Static(new HostPort("2001:db8::1", 443)));
    }

    @Test
    void templateIsExpandedFromTheRouteMatch() {
        RouteTable table = RouteYaml.table("""
                - hosts: ['~(?<tenant>[a-z0-9-]+)\\.example\\.test']
                  backends: ['${tenant}.internal:443', '${host}:8443', 'fallback.internal:443']
                """);
        RouteMatch match = table.match("acme.example.test").orElseThrow();

        assertThat(match.route().backends()).extracting(backend -> BackendTarget.expand(backend, match))
                .containsExactly(
                        new BackendTarget.Dynamic("acme.internal", 443),
                        new BackendTarget.Dynamic("acme.example.test", 8443),
                        new BackendTarget.Static(new HostPort("fallback.internal", 443)));
    }

    @Test
    void expandedHostIsNormalized() {
        assertThat(BackendTarget.expand(BackendTemplate.parse("${tenant}.Internal.:443"), Map.of("tenant", "acme")))
                .isEqualTo(new BackendTarget.Dynamic("acme.internal", 443));
    }

    @Test
    void expansionToAnIpv4LiteralIsDynamicSoThePolicyStillApplies() {
        RouteTable table = RouteYaml.table("""
                - hosts: ['~(?<ip>[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+)\\.ip\\.test']
                  backends: ['${ip}:80']
                """);
        RouteMatch match = table.match("10.1.2.3.ip.test").orElseThrow();

        assertThat(BackendTarget.expand(match.route().backends().get(0), match))
                .isEqualTo(new BackendTarget.Dynamic("10.1.2.3", 80));
    }

    @Test
    void templateWithoutANameIsInvalid() {
        RouteTable table = RouteYaml.table("""
                - hosts: ['*']
                  backends: ['${host}:443']
                """);
        RouteMatch noName = table.matchWithoutName().orElseThrow();

        assertThat(BackendTarget.expand(noName.route().backends().get(0), noName))
                .isInstanceOf(BackendTarget.Invalid.class)
                .hasToString("Invalid[reason=backend '${host}:443' expanded to an empty host]");
    }

    @Test
    void groupThatDidNotTakePartLeavesAnEmptyLabel() {
        assertThat(BackendTarget.expand(BackendTemplate.parse("${tenant}.internal:443"), Map.of("host", "a.test")))
                .isEqualTo(new BackendTarget.Invalid("backend '${tenant}.internal:443' expanded to '.internal',"
                        + " which is not a valid host name"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",             // an empty capture
            "-acme",        // a label may not start with a hyphen
            "a..b",         // empty label
            "a b",          // not a host-name character
            "a/b",
            "a:1",
    })
    void expansionThatIsNotAHostNameIsInvalid(String tenant) {
        assertThat(BackendTarget.expand(BackendTemplate.parse("${tenant}.internal:443"), Map.of("tenant", tenant)))
                .isInstanceOf(BackendTarget.Invalid.class);
    }

    @Test
    void expansionLongerThanADnsNameIsInvalid() {
        // Four 60-character labels and their dots are 243 characters; ".internal" makes 252.
        String labels = String.join(".", "a".repeat(60), "a".repeat(60), "a".repeat(60), "a".repeat(60));
        BackendTemplate template = BackendTemplate.parse("${tenant}.internal:443");

        assertThat(BackendTarget.expand(template, Map.of("tenant", labels + "a")))
                .isEqualTo(new BackendTarget.Dynamic(labels + "a.internal", 443));
        assertThat(BackendTarget.expand(template, Map.of("tenant", labels + "aa")))
                .isInstanceOf(BackendTarget.Invalid.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.1", "2130706433", "10.0.1", "0x7f.0.0.1", "example.0x7f", "1.2.3.04"})
    void nameEndingInANumberIsInvalidUnlessADottedQuad(String host) {
        assertThat(BackendTarget.expand(BackendTemplate.parse("${host}:443"), Map.of("host", host)))
                .isInstanceOf(BackendTarget.Invalid.class)
                .extracting(target -> ((BackendTarget.Invalid) target).reason()).asString()
                .contains("ends in a number");
    }

    @Test
    void digitsInsideANameAreFine() {
        assertThat(BackendTarget.expand(BackendTemplate.parse("${host}:443"), Map.of("host", "123.example.test")))
                .isEqualTo(new BackendTarget.Dynamic("123.example.test", 443));
        assertThat(BackendTarget.expand(BackendTemplate.parse("${host}:443"), Map.of("host", "example.test1")))
                .isEqualTo(new BackendTarget.Dynamic("example.test1", 443));
    }
}

package io.snipool.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.BackendHealthConfig;
import io.snipool.config.BackendPolicy;
import io.snipool.config.BackendTemplate;
import io.snipool.config.HostPattern;
import io.snipool.config.PoolSettings;
import io.snipool.config.ProxyProtocol;
import io.snipool.config.RouteConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTableTest {

    /** Every kind of pattern, each route's backend port naming the route so a row can say which one wins. */
    private static final RouteTable PRECEDENCE = RouteYaml.table("""
            - hosts: ['~(?<sub>[a-z]+)\\.example\\.test']
              backends: [192.0.2.1:1000]
            - hosts: ['*.example.test']
              backends: [192.0.2.1:1001]
            - hosts: [www.example.test, api.example.test]
              backends: [192.0.2.1:1002]
            - hosts: ['*.deep.example.test']
              backends: [192.0.2.1:1003]
            - hosts: ['~.*\\.other\\.test', '~www\\.other\\.test']
              backends: [192.0.2.1:1004]
            - hosts: ['~www\\.other\\.test']
              backends: [192.0.2.1:1005]
            - hosts: ['*']
              backends: [192.0.2.1:1006]
            """);

    @ParameterizedTest(name = "{0} -> route {1} by {2}")
    @CsvSource({
            // exact beats a wildcard and a regex that also match
            "www.example.test,       2, www.example.test",
            "api.example.test,       2, api.example.test",
            // a wildcard beats a regex listed earlier in the file
            "shop.example.test,      1, *.example.test",
            "a.b.example.test,       1, *.example.test",
            // the longest wildcard wins, whatever the file order
            "x.deep.example.test,    3, *.deep.example.test",
            "y.x.deep.example.test,  3, *.deep.example.test",
            // *.deep.example.test does not take deep.example.test itself; *.example.test does
            "deep.example.test,      1, *.example.test",
            // the first regex in file order, then within a route's hosts in order
            "www.other.test,         4, ~.*\\.other\\.test",
            // nothing else matches: the catch-all
            "example.test,           6, *",
            "xexample.test,          6, *",
            "unknown.test,           6, *",
    })
    void precedenceFollowsNginxServerName(String host, int route, String pattern) {
        Optional<RouteMatch> match = PRECEDENCE.match(host);

        assertThat(match).isPresent();
        assertThat(match.get().routeIndex()).isEqualTo(route);
        assertThat(match.get().route()).isSameAs(PRECEDENCE.routes().get(route));
        assertThat(match.get().matchedBy()).hasToString(pattern);
        assertThat(match.get().host()).isEqualTo(host);
    }

    @Test
    void wildcardNeverMatchesItsOwnSuffixOrAPartialLabel() {
        RouteTable table = RouteYaml.table("""
                - hosts: ['*.example.test']
                  backends: [192.0.2.1:443]
                """);

        assertThat(table.match("a.example.test")).isPresent();
        assertThat(table.match("a.b.example.test")).isPresent();
        assertThat(table.match("example.test")).isEmpty();
        assertThat(table.match("badexample.test")).isEmpty();
        assertThat(table.match("test")).isEmpty();
    }

    @Test
    void regexMustMatchTheWholeName() {
        RouteTable table = RouteYaml.table("""
                - hosts: ['~api[0-9]+']
                  backends: [192.0.2.1:443]
                """);

        assertThat(table.match("api7")).isPresent();
        assertThat(table.match("api7.example.test")).isEmpty();
        assertThat(table.match("xapi7")).isEmpty();
    }

    @Test
    void withoutCatchAllAnUnknownNameHasNoRoute() {
        RouteTable table = RouteYaml.table("""
                - hosts: [www.example.test, '*.example.test', '~api[0-9]+\\.test']
                  backends: [192.0.2.1:443]
                """);

        assertThat(table.match("www.other.test")).isEmpty();
    }

    @Test
    void noNameGoesOnlyToTheCatchAll() {
        RouteTable withCatchAll = RouteYaml.table("""
                - hosts: ['~.*']
                  backends: [192.0.2.1:1]
                - hosts: ['*']
                  backends: [192.0.2.1:2]
                """);
        RouteTable withoutCatchAll = RouteYaml.table("""
                - hosts: ['~.*', '*.test']
                  backends: [192.0.2.1:1]
                """);

        Optional<RouteMatch> match = withCatchAll.matchWithoutName();
        assertThat(match).isPresent();
        assertThat(match.get().routeIndex()).isEqualTo(1);
        assertThat(match.get().hasName()).isFalse();
        assertThat(match.get().host()).isEmpty();
        assertThat(match.get().variables()).isEmpty();
        assertThat(withCatchAll.match("")).isEqualTo(match);

        assertThat(withoutCatchAll.matchWithoutName()).isEmpty();
        assertThat(withoutCatchAll.match("")).isEmpty();
    }

    @Test
    void exactWildcardAndCatchAllMatchesOfferTheHostVariable() {
        for (String host : List.of("www.example.test", "a.example.test", "elsewhere.test")) {
            RouteMatch match = PRECEDENCE.match(host).orElseThrow();

            assertThat(match.hasName()).isTrue();
            assertThat(match.variables()).isEqualTo(Map.of("host", host));
        }
    }

    @Test
    void regexNamedGroupsBecomeVariables() {
        RouteTable table = RouteYaml.table("""
                - hosts: ['~(?<tenant>[a-z0-9-]+)\\.(?<region>eu|us)\\.example\\.test']
                  backends: ['${tenant}.${region}.internal:443']
                """);

        RouteMatch match = table.match("acme.eu.example.test").orElseThrow();

        assertThat(match.variables()).isEqualTo(Map.of(
                "host", "acme.eu.example.test", "tenant", "acme", "region", "eu"));
    }

    @Test
    void aGroupThatDidNotTakePartIsAbsent() {
        RouteTable table = RouteYaml.table("""
                - hosts: ['~(?:(?<tenant>[a-z]+)\\.)?(?<zone>[a-z]+)\\.example\\.test']
                  backends: ['${zone}.internal:443']
                """);

        assertThat(table.match("eu.example.test").orElseThrow().variables())
                .isEqualTo(Map.of("host", "eu.example.test", "zone", "eu"));
        assertThat(table.match("acme.eu.example.test").orElseThrow().variables())
                .isEqualTo(Map.of("host", "acme.eu.example.test", "zone", "eu", "tenant", "acme"));
    }

    @Test
    void hostVariableIsAlwaysTheRequestedNameEvenIfAGroupIsCalledHost() {
        RouteTable table = RouteYaml.table("""
                - hosts: ['~(?<host>[a-z]+)\\.example\\.test']
                  backends: ['${host}:443']
                """);

        assertThat(table.match("acme.example.test").orElseThrow().variables())
                .isEqualTo(Map.of("host", "acme.example.test"));
    }

    @Test
    void quotedTextIsNotAGroup() {
        // \Q(?<fake>x)\E is literal text, not a group.
        RouteTable table = RouteYaml.table("""
                - hosts: ['~\\Q(?<fake>x)\\E|(?<real>[a-z]+)\\.test']
                  backends: [192.0.2.1:443]
                """);
        assertThat(((HostPattern.Regex) table.routes().get(0).hosts().get(0)).groupNames()).containsExactly("real");

        assertThat(table.match("abc.test").orElseThrow().variables())
                .isEqualTo(Map.of("host", "abc.test", "real", "abc"));
    }

    @Test
    void aNameListedTwiceBelongsToTheFirstRoute() {
        // The loader refuses this configuration; a table built from records directly must still be deterministic.
        RouteTable table = RouteTable.of(List.of(
                route(new HostPattern.Exact("a.test"), new HostPattern.Wildcard("b.test"), new HostPattern.CatchAll()),
                route(new HostPattern.Exact("a.test"), new HostPattern.Wildcard("b.test"), new HostPattern.CatchAll())));

        assertThat(table.match("a.test").orElseThrow().routeIndex()).isZero();
        assertThat(table.match("x.b.test").orElseThrow().routeIndex()).isZero();
        assertThat(table.match("other.test").orElseThrow().routeIndex()).isZero();
        assertThat(table.matchWithoutName().orElseThrow().routeIndex()).isZero();
    }

    @Test
    void tenThousandExactAndTenThousandWildcardRoutesAllResolve() {
        int count = 10_000;
        List<RouteConfig> routes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            routes.add(route(new HostPattern.Exact("site" + i + ".example.test")));
            routes.add(route(new HostPattern.Wildcard("zone" + i + ".example.test")));
        }
        routes.add(route(new HostPattern.Wildcard("example.test")));
        RouteTable table = RouteTable.of(routes);

        for (int i = 0; i < count; i++) {
            RouteMatch exact = table.match("site" + i + ".example.test").orElseThrow();
            RouteMatch wildcard = table.match("a.b.zone" + i + ".example.test").orElseThrow();

            assertThat(exact.routeIndex()).isEqualTo(2 * i);
            assertThat(wildcard.routeIndex()).isEqualTo(2 * i + 1);
        }
        assertThat(table.match("zone1.example.test").orElseThrow().routeIndex()).isEqualTo(2 * count);
        assertThat(table.match("site" + count + ".example.test").orElseThrow().routeIndex()).isEqualTo(2 * count);
        assertThat(table.match("site1.example.other")).isEmpty();
    }

    private static RouteConfig route(HostPattern... hosts) {
        return new RouteConfig(List.of(hosts), List.of(BackendTemplate.parse("192.0.2.1:443")), ProxyProtocol.NONE,
                PoolSettings.defaults(), false, false, java.util.Optional.empty(), BackendPolicy.defaults(1),
                BackendHealthConfig.defaults());
    }
}

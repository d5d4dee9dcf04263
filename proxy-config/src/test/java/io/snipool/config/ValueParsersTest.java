package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The scalar forms of the file: durations, sizes, addresses, networks, environment references. */
class ValueParsersTest {

    @ParameterizedTest
    @CsvSource({"250ms,250", "30s,30000", "5m,300000", "1h,3600000", "0,0", "' 7s ',7000"})
    void durations(String text, long millis) {
        assertThat(Units.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "10", "1.5s", "-1s", "10 s", "1d", "5min", "9999999999999s"})
    void badDurations(String text) {
        assertThatThrownBy(() -> Units.parseDuration(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @ParameterizedTest
    @CsvSource({"512,512", "512B,512", "64KiB,65536", "1MiB,1048576", "2GiB,2147483648", "64kib,65536"})
    void sizes(String text, long bytes) {
        assertThat(Units.parseSize(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "KiB", "64KB", "1k", "1.5MiB", "64 KiBs", "-1"})
    void badSizes(String text) {
        assertThatThrownBy(() -> Units.parseSize(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void formatsRoundTrip() {
        for (String text : List.of("250ms", "30s", "5m", "1h", "1500ms")) {
            assertThat(Units.formatDuration(Units.parseDuration(text))).isEqualTo(text);
        }
        for (String text : List.of("512", "64KiB", "1MiB", "1GiB", "1025")) {
            assertThat(Units.formatSize(Units.parseSize(text))).isEqualTo(text);
        }
    }

    private static <T> Object parsed(ValueParser<T> parser, String text) {
        ValueParser.Parsed<T> parsed = parser.parse(text);
        return parsed instanceof ValueParser.Parsed.Accepted<T> accepted ? accepted.value()
                : ((ValueParser.Parsed.Refused<T>) parsed).reason();
    }

    @Test
    void typedParsersAtTheEdgesOfTheirRanges() {
        ValueParser<Long> number = ValueParser.wholeNumber(1, 10_000);
        assertThat(parsed(number, "1")).isEqualTo(1L);
        assertThat(parsed(number, "10_000")).isEqualTo(10_000L);
        assertThat(parsed(number, "0")).isEqualTo("must be between 1 and 10000, got 0");
        assertThat(parsed(number, "10_001")).as("the value, not the text")
                .isEqualTo("must be between 1 and 10000, got 10001");
        assertThat(parsed(number, "ten")).isEqualTo("expected a whole number, got 'ten'");

        ValueParser<Duration> duration = ValueParser.duration(Duration.ofMillis(1), Duration.ofMinutes(10));
        assertThat(parsed(duration, "1ms")).isEqualTo(Duration.ofMillis(1));
        assertThat(parsed(duration, "10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(parsed(duration, "601s")).as("the text, not the value")
                .isEqualTo("must be between 1ms and 10m, got 601s");
        assertThat(parsed(duration, "0")).isEqualTo("must be between 1ms and 10m, got 0");

        ValueParser<Integer> size = ValueParser.size(1024, 16 * 1024 * 1024);
        assertThat(parsed(size, "1KiB")).isEqualTo(1024);
        assertThat(parsed(size, "16MiB")).isEqualTo(16 * 1024 * 1024);
        assertThat(parsed(size, "1023")).isEqualTo("must be between 1KiB and 16MiB, got 1023");
        assertThat(parsed(size, "1k")).isEqualTo("'1k': write binary units explicitly (KiB, MiB, GiB)");

        assertThat(parsed(ValueParser.bool(), "false")).isEqualTo(false);
        assertThat(parsed(ValueParser.bool(), "on")).isEqualTo("expected true or false, got 'on'");
        assertThat(parsed(ValueParser.choice(ProxyProtocol.class), "v2")).isEqualTo(ProxyProtocol.V2);
        assertThat(parsed(ValueParser.choice(ProxyProtocol.class), "v3"))
                .isEqualTo("expected one of none, v1, v2; got 'v3' (did you mean 'v1'?)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:80|127.0.0.1|80",
        "[::1]:443|::1|443",
        "backend.internal:8080|backend.internal|8080",
        "[2001:db8::1]:65535|2001:db8::1|65535"})
    void hostPorts(String text, String host, int port) {
        assertThat(HostPort.parse(text, 1)).isEqualTo(new HostPort(host, port));
        assertThat(HostPort.parse(text, 1).toString()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"host", ":80", "host:", "host:http", "[::1]80", "[zz]:80", "a b:80", "host:65536",
        "host:-1", "1.2.3.4.5:80x"})
    void badHostPorts(String text) {
        assertThatThrownBy(() -> HostPort.parse(text, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void portZeroOnlyWhereAllowed() {
        assertThat(HostPort.parse("127.0.0.1:0", 0).port()).isZero();
        assertThatThrownBy(() -> HostPort.parse("127.0.0.1:0", 1)).hasMessage("port 0 out of range 1..65535");
    }

    @Test
    void ipv4Literals() {
        assertThat(InetLiterals.isIpv4("192.168.0.1")).isTrue();
        assertThat(InetLiterals.isIpv4("0.0.0.0")).isTrue();
        assertThat(InetLiterals.isIpv4("256.0.0.1")).isFalse();
        assertThat(InetLiterals.isIpv4("01.2.3.4")).as("leading zeros are ambiguous (octal)").isFalse();
        assertThat(InetLiterals.isIpv4("1.2.3")).isFalse();
        assertThat(InetLiterals.isIpv4("1.2.3.4.")).isFalse();
        assertThat(InetLiterals.isIpv6("::ffff:10.0.0.1")).isTrue();
        assertThat(InetLiterals.isIpv6("example.com")).isFalse();
    }

    @Test
    void cidrContainment() throws Exception {
        Cidr ten = Cidr.parse("10.0.0.0/8");
        assertThat(ten.contains(InetAddress.getByName("10.255.1.2"))).isTrue();
        assertThat(ten.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
        Cidr odd = Cidr.parse("192.168.4.0/22");
        assertThat(odd.contains(InetAddress.getByName("192.168.7.255"))).isTrue();
        assertThat(odd.contains(InetAddress.getByName("192.168.8.0"))).isFalse();
        Cidr v6 = Cidr.parse("2001:db8::/32");
        assertThat(v6.contains(InetAddress.getByName("2001:db8:ffff::1"))).isTrue();
        assertThat(v6.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("8.8.8.8"))).isTrue();
        assertThat(Cidr.parse("10.1.2.3").prefixLength()).isEqualTo(32);
        assertThatThrownBy(() -> Cidr.parse("example.com/8")).hasMessage("'example.com' is not an IP address");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/")).hasMessageContaining("is not a number");
    }

    @Test
    void environmentSubstitution() {
        EnvSubstitution env = new EnvSubstitution(Map.of("A", "1", "EMPTY", "")::get);
        assertThat(env.apply("x${env:A}y${env:A}")).isEqualTo("x1y1");
        assertThat(env.apply("${env:B:-fallback}")).isEqualTo("fallback");
        assertThat(env.apply("${env:EMPTY:-fallback}")).as("set but empty is still set").isEmpty();
        assertThat(env.apply("${host}:443")).isEqualTo("${host}:443");
        assertThatThrownBy(() -> env.apply("${env:B}")).hasMessageStartingWith("environment variable B is not set");
        assertThatThrownBy(() -> env.apply("${env:A")).hasMessageContaining("without a closing");
        assertThatThrownBy(() -> env.apply("${env:1X}")).hasMessageContaining("is not an environment variable name");
    }

    @Test
    void suggestionsOnlyForCloseMatches() {
        assertThat(Suggestions.didYouMean("idle_timout", List.of("idle_timeout", "connect_timeout")))
                .isEqualTo(" (did you mean 'idle_timeout'?)");
        assertThat(Suggestions.didYouMean("zzz", List.of("idle_timeout"))).isEmpty();
        assertThat(Suggestions.editDistance("kitten", "sitting")).isEqualTo(3);
    }

    @Test
    void suggestionsIgnoreCase() {
        assertThat(Suggestions.didYouMean("HTPP", List.of("tls", "http"))).isEqualTo(" (did you mean 'http'?)");
        assertThat(Suggestions.didYouMean("tlsv1.4", List.of("TLSv1.2", "TLSv1.3")))
                .isEqualTo(" (did you mean 'TLSv1.2'?)");
        assertThat(Suggestions.editDistance("TLSv1.3", "tlsv1.3")).isZero();
    }

    @Test
    void namedGroupsOfRegexHosts() {
        HostPattern.Regex regex = (HostPattern.Regex) HostPattern.parse(
                "~^(?<tenant>[a-z]+)-(?<env>[a-z]+)\\.(?:x|y)\\Q(?<quoted>\\E[(?<inclass>]\\(?<escaped>\\.test$");
        assertThat(regex.groupNames()).containsExactly("tenant", "env");
        assertThat(((HostPattern.Regex) HostPattern.parse("~^(?<=a)(?<!b)x$")).groupNames()).isEmpty();
    }

    @Test
    void hostNames() {
        assertThat(HostNames.normalize("WWW.Example.COM.")).isEqualTo("www.example.com");
        assertThat(HostNames.isValidDnsName("a-b.c_d.example")).isTrue();
        assertThat(HostNames.isValidDnsName("a..b")).isFalse();
        assertThat(HostNames.isValidDnsName("a-.b")).isFalse();
        assertThat(HostNames.isValidDnsName("a".repeat(64) + ".b")).isFalse();
        assertThat(HostNames.isValidDnsName("a".repeat(63) + ".b")).isTrue();
        assertThat(HostNames.isValidDnsName(("a".repeat(49) + ".").repeat(5) + "abc")).as("253 chars").isTrue();
        assertThat(HostNames.isValidDnsName(("a".repeat(49) + ".").repeat(5) + "abcd")).as("254 chars").isFalse();
        assertThat(HostNames.isValidDnsName("exa mple.com")).isFalse();
        assertThat(HostNames.isValidDnsName("ex\u00e4mple.com")).isFalse();
    }
}

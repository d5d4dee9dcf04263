package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.snipool.config.ListenerConfig.ForwardedHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hop-by-hop removal (RFC 9110 §7.6.1) and the forwarding fields (X-Forwarded-*, RFC 7239). */
class ForwardingHeadersTest {

    @Test
    void removesConnectionAndEveryFieldItNames() {
        HttpHeaders headers = headers("Host", "a.test", "X-Trace", "1", "Connection", "close, X-Trace",
                "connection", "Keep-Alive,  X-Other", "X-Other", "o", "Keep-Alive", "timeout=5", "X-Kept", "k");
        List<String> tokens = ForwardingHeaders.removeHopByHop(headers, false);
        assertThat(tokens).containsExactly("close", "x-trace", "keep-alive", "x-other");
        assertThat(names(headers)).containsExactly("Host", "X-Kept");
    }

    @Test
    void emptyConnectionTokensAreSkipped() {
        HttpHeaders headers = headers("Connection", ",close,, X-A ,", "Connection", "", "X-A", "a", "X-B", "b");
        assertThat(ForwardingHeaders.removeHopByHop(headers, false)).containsExactly("close", "x-a");
        assertThat(names(headers)).containsExactly("X-B");
    }

    @Test
    void removesTheFixedHopByHopFieldsWhetherNamedOrNot() {
        HttpHeaders headers = headers("Proxy-Connection", "keep-alive", "TE", "trailers", "Upgrade", "h2c",
                "Trailer", "X-Checksum", "Transfer-Encoding", "chunked", "Keep-Alive", "timeout=1", "Accept", "*/*");
        assertThat(ForwardingHeaders.removeHopByHop(headers, false)).isEmpty();
        assertThat(names(headers)).as("Trailer is end to end (RFC 9110 §6.6.2)").containsExactly("Trailer", "Accept");
    }

    @Test
    void aConnectionTokenCannotRemoveFramingOrRouting() {
        HttpHeaders headers = headers("Host", "a.test", "Content-Length", "3", "Connection", "Content-Length, host");
        ForwardingHeaders.removeHopByHop(headers, false);
        assertThat(names(headers)).containsExactly("Host", "Content-Length");
    }

    @Test
    void anUpgradeBeingForwardedKeepsUpgrade() {
        HttpHeaders headers = headers("Host", "a.test", "Connection", "Upgrade, X-Gone", "Upgrade", "websocket",
                "X-Gone", "g", "Sec-WebSocket-Key", "k");
        ForwardingHeaders.removeHopByHop(headers, true);
        assertThat(headers.get("Upgrade")).isEqualTo("websocket");
        assertThat(headers.getAll("Connection")).containsExactly("upgrade");
        assertThat(headers.contains("X-Gone")).isFalse();
        assertThat(names(headers)).containsExactly("Host", "Upgrade", "Sec-WebSocket-Key", "connection");
    }

    @Test
    void otherFieldsKeepTheirCaseAndOrder() {
        HttpHeaders headers = headers("x-lower", "1", "Connection", "keep-alive", "X-MiXeD", "2", "ACCEPT", "3",
                "x-lower", "4");
        ForwardingHeaders.removeHopByHop(headers, false);
        assertThat(entries(headers)).containsExactly(Map.entry("x-lower", "1"), Map.entry("X-MiXeD", "2"),
                Map.entry("ACCEPT", "3"), Map.entry("x-lower", "4"));
    }

    @Test
    void fromATrustedProxyXForwardedAppendsTheClientAndKeepsProtoAndHost() {
        HttpHeaders headers = headers("X-Forwarded-For", "198.51.100.1", "x-forwarded-for", "198.51.100.2",
                "X-Forwarded-Proto", "https", "X-Forwarded-Host", "www.example");
        ForwardingHeaders.addForwarded(headers, ForwardedHeaders.X_FORWARDED, true, "192.0.2.7", "a.test:8080",
                "http");
        assertThat(headers.getAll("X-Forwarded-For")).containsExactly("198.51.100.1, 198.51.100.2, 192.0.2.7");
        assertThat(headers.getAll("X-Forwarded-Proto")).as("what the proxy in front saw").containsExactly("https");
        assertThat(headers.getAll("X-Forwarded-Host")).containsExactly("www.example");

        HttpHeaders first = headers("Host", "a.test");
        ForwardingHeaders.addForwarded(first, ForwardedHeaders.X_FORWARDED, true, "192.0.2.7", null, "http");
        assertThat(first.get("X-Forwarded-For")).isEqualTo("192.0.2.7");
        assertThat(first.get("X-Forwarded-Proto")).isEqualTo("http");
        assertThat(first.contains("X-Forwarded-Host")).isFalse();
    }

    @Test
    void fromAnyoneElseEveryForwardingFieldIsReplaced() {
        HttpHeaders headers = headers("X-Forwarded-For", "198.51.100.1", "x-forwarded-for", "10.0.0.1",
                "X-Forwarded-Proto", "https", "X-Forwarded-Host", "spoofed", "Forwarded", "for=10.0.0.1",
                "X-Real-IP", "10.0.0.1", "Accept", "*/*");
        ForwardingHeaders.addForwarded(headers, ForwardedHeaders.X_FORWARDED, false, "192.0.2.7", "a.test:8080",
                "http");
        assertThat(entries(headers)).containsExactly(Map.entry("Accept", "*/*"),
                Map.entry("X-Forwarded-For", "192.0.2.7"), Map.entry("X-Forwarded-Proto", "http"),
                Map.entry("X-Forwarded-Host", "a.test:8080"));

        HttpHeaders rfc7239 = headers("Forwarded", "for=10.0.0.1", "X-Forwarded-For", "10.0.0.1");
        ForwardingHeaders.addForwarded(rfc7239, ForwardedHeaders.FORWARDED, false, "192.0.2.7", "a.test", "http");
        assertThat(entries(rfc7239)).containsExactly(Map.entry("Forwarded", "for=192.0.2.7;proto=http;host=a.test"));
    }

    @Test
    void forwardedQuotesIpv6AndHostsThatAreNotTokens() {
        HttpHeaders v4 = headers();
        ForwardingHeaders.addForwarded(v4, ForwardedHeaders.FORWARDED, false, "192.0.2.7", "a.test", "http");
        assertThat(v4.get("Forwarded")).isEqualTo("for=192.0.2.7;proto=http;host=a.test");

        HttpHeaders v6 = headers("Forwarded", "for=198.51.100.1");
        ForwardingHeaders.addForwarded(v6, ForwardedHeaders.FORWARDED, true, "2001:db8::7", "[2001:db8::1]:8080",
                "http");
        assertThat(v6.getAll("Forwarded")).containsExactly(
                "for=198.51.100.1, for=\"[2001:db8::7]\";proto=http;host=\"[2001:db8::1]:8080\"");
        assertThat(v6.contains("X-Forwarded-For")).isFalse();

        HttpHeaders noHost = headers();
        ForwardingHeaders.addForwarded(noHost, ForwardedHeaders.FORWARDED, false, "192.0.2.7", null, "http");
        assertThat(noHost.get("Forwarded")).isEqualTo("for=192.0.2.7;proto=http");
    }

    @Test
    void noneAddsNothingAndPassesOnlyATrustedProxysFields() {
        HttpHeaders trusted = headers("X-Forwarded-For", "198.51.100.1");
        ForwardingHeaders.addForwarded(trusted, ForwardedHeaders.NONE, true, "192.0.2.7", "a.test", "http");
        assertThat(entries(trusted)).containsExactly(Map.entry("X-Forwarded-For", "198.51.100.1"));

        HttpHeaders untrusted = headers("X-Forwarded-For", "198.51.100.1", "X-Real-IP", "198.51.100.1");
        ForwardingHeaders.addForwarded(untrusted, ForwardedHeaders.NONE, false, "192.0.2.7", "a.test", "http");
        assertThat(entries(untrusted)).isEmpty();
    }

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    private static List<String> names(HttpHeaders headers) {
        return entries(headers).stream().map(Map.Entry::getKey).toList();
    }

    private static List<Map.Entry<String, String>> entries(HttpHeaders headers) {
        List<Map.Entry<String, String>> entries = new ArrayList<>();
        headers.forEach(entry -> entries.add(Map.entry(entry.getKey(), entry.getValue())));
        return entries;
    }
}

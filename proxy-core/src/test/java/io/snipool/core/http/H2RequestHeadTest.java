package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HTTP/2 field section of a forwarded request head (RFC 9113 §8.2.2, §8.3.1). */
class H2RequestHeadTest {

    private static List<String> names(Http2Headers headers) {
        List<String> names = new ArrayList<>();
        headers.forEach(field -> names.add(field.getKey().toString()));
        return names;
    }

    private static HttpRequest request(String... fields) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/grpc.Echo/Unary?x=1");
        for (int i = 0; i < fields.length; i += 2) {
            request.headers().add(fields[i], fields[i + 1]);
        }
        return request;
    }

    @Test
    void pseudoHeaderFieldsComeFirstFromTheMethodTargetSchemeAndHost() {
        Http2Headers headers = H2RequestHead.headers(request("Host", "a.test:8443", "Content-Type",
                "application/grpc", "grpc-timeout", "1S"), AsciiString.of("https"));

        assertThat(names(headers).subList(0, 4)).containsExactlyInAnyOrder(":method", ":path", ":scheme",
                ":authority");
        assertThat(headers.method()).hasToString("POST");
        assertThat(headers.path()).hasToString("/grpc.Echo/Unary?x=1");
        assertThat(headers.scheme()).hasToString("https");
        assertThat(headers.authority()).hasToString("a.test:8443");
        assertThat(headers.get("content-type")).hasToString("application/grpc");
        assertThat(headers.get("grpc-timeout")).as("a deadline passes untouched").hasToString("1S");
        assertThat(names(headers)).doesNotContain("host");
    }

    @Test
    void connectionSpecificFieldsAndNettyExtensionsNeverReachTheBackend() {
        Http2Headers headers = H2RequestHead.headers(request("Host", "a.test", "Connection", "x-secret",
                "X-Secret", "1", "Keep-Alive", "timeout=5", "Proxy-Connection", "keep-alive",
                "Transfer-Encoding", "chunked", "Upgrade", "websocket", "x-http2-stream-id", "7",
                "x-http2-scheme", "http", "X-Kept", "yes"), AsciiString.of("http"));

        assertThat(names(headers)).containsExactlyInAnyOrder(":method", ":path", ":scheme", ":authority", "x-kept");
    }

    @Test
    void teGoesOnlyAsTrailers() {
        assertThat(H2RequestHead.headers(request("TE", "trailers"), AsciiString.of("http")).get("te"))
                .hasToString("trailers");
        assertThat(H2RequestHead.headers(request("TE", "gzip, trailers"), AsciiString.of("http")).get("te"))
                .hasToString("trailers");
        assertThat(H2RequestHead.headers(request("TE", "gzip"), AsciiString.of("http")).contains("te")).isFalse();
    }

    @Test
    void fieldNamesAreLowerCased() {
        Http2Headers headers = H2RequestHead.headers(request("X-Request-Id", "abc"), AsciiString.of("http"));

        assertThat(names(headers)).contains("x-request-id").doesNotContain("X-Request-Id");
    }
}

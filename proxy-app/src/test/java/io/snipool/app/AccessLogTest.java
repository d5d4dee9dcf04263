package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.HttpBackend;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The access log: one JSON line per HTTP request and per TLS connection, with every field; or combined lines. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccessLogTest {

    @TempDir
    Path dir;

    @Test
    void everyRequestAndConnectionIsOneJsonLine() throws Exception {
        Vertx vertx = Vertx.vertx();
        Path log = dir.resolve("access.log");
        try {
            HttpBackend backend = Await.result(HttpBackend.start(vertx, "hello"));
            Snipool snipool = start(backend, """
                      - name: edge
                        bind: "127.0.0.1:0"
                        mode: tls
                        routes: [ { hosts: [a.example.test], backends: ["127.0.0.1:1"] } ]
                    """, "{ enabled: true, path: \"" + log + "\", format: json }");
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                int web = snipool.listenerPort("web");
                HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + web
                        + "/path?q=1")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(ok.statusCode()).isEqualTo(200);
                HttpResponse<String> misdirected = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + web + "/")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(misdirected.statusCode()).isEqualTo(421);
                tlsHello(snipool.listenerPort("edge"));

                Await.until(Await.SLOW_TIMEOUT, "three access log lines", () -> lines(log), seen -> seen.size() == 3);
            } finally {
                snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            List<JsonObject> lines = lines(log).stream().map(JsonObject::new).toList();
            JsonObject served = lines.stream().filter(l -> l.getInteger("status", 0) == 200).findFirst().orElseThrow();
            assertThat(served.fieldNames()).containsExactly("time", "kind", "listener", "client", "host", "method",
                    "path", "protocol", "route", "backend", "status", "outcome", "bytes_in", "bytes_out",
                    "duration_ms", "upstream_connect_ms", "upstream_first_byte_ms", "pool", "stale_retry", "attempts",
                    "retries", "request_id", "user_agent");
            assertThat(Instant.parse(served.getString("time"))).isBefore(Instant.now());
            assertThat(served.getString("kind")).isEqualTo("http");
            assertThat(served.getString("listener")).isEqualTo("web");
            assertThat(served.getString("client")).startsWith("127.0.0.1:");
            assertThat(served.getString("host")).isEqualTo("localhost:" + snipoolPort(served));
            assertThat(served.getString("method")).isEqualTo("GET");
            assertThat(served.getString("path")).isEqualTo("/path?q=1");
            assertThat(served.getString("route")).isEqualTo("localhost");
            assertThat(served.getString("backend")).isEqualTo("127.0.0.1:" + backend.port());
            assertThat(served.getString("outcome")).isEqualTo("ok");
            assertThat(served.getLong("bytes_in")).isZero();
            assertThat(served.getLong("bytes_out")).isEqualTo("hello".length());
            assertThat(served.getDouble("duration_ms")).isPositive();
            assertThat(served.getString("pool")).isEqualTo("miss");
            assertThat(served.getBoolean("stale_retry")).isFalse();
            assertThat(served.getInteger("attempts")).isOne();

            JsonObject refused = lines.stream().filter(l -> l.getInteger("status", 0) == 421).findFirst().orElseThrow();
            assertThat(refused.getString("outcome")).isEqualTo("refused");
            assertThat(refused.containsKey("route")).as("no route was chosen").isFalse();
            assertThat(refused.containsKey("backend")).isFalse();
            assertThat(refused.containsKey("attempts")).as("no backend was tried").isFalse();

            JsonObject tls = lines.stream().filter(l -> l.getString("kind").equals("tls")).findFirst().orElseThrow();
            assertThat(tls.getString("listener")).isEqualTo("edge");
            assertThat(tls.getString("host")).isEqualTo("a.example.test");
            assertThat(tls.getString("route")).isEqualTo("a.example.test");
            assertThat(tls.getString("outcome")).isEqualTo("backend_unavailable");
            assertThat(tls.containsKey("status")).isFalse();
            assertThat(tls.getInteger("attempts")).as("its one backend refused; a passthrough retry goes only to a "
                    + "backend not tried yet").isOne();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void theCombinedFormatIsWrittenAsConfigured() throws Exception {
        Vertx vertx = Vertx.vertx();
        Path log = dir.resolve("combined.log");
        try {
            HttpBackend backend = Await.result(HttpBackend.start(vertx, "hello"));
            Snipool snipool = start(backend, "", "{ path: \"" + log + "\", format: combined }");
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + snipool.listenerPort("web")
                        + "/c?x=1")).header("User-Agent", "probe/2").header("X-Request-Id", "combined-1").build(),
                        HttpResponse.BodyHandlers.ofString());
                Await.until(Await.SLOW_TIMEOUT, "one access log line", () -> lines(log), seen -> seen.size() == 1);
            } finally {
                snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            assertThat(lines(log).get(0)).matches("127\\.0\\.0\\.1 - - \\[[^]]+ \\+0000] \"GET /c\\?x=1 HTTP/1\\.1\""
                    + " 200 5 \"-\" \"probe/2\" combined-1 \\d+\\.\\d{3}");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * snipool with the http listener {@code web}, which routes {@code localhost} to {@code backend}, the listeners of
     * {@code moreListeners} (list entries, indented by two), and {@code accessLog} as its {@code access_log}.
     */
    private static Snipool start(HttpBackend backend, String moreListeners, String accessLog) throws Exception {
        return Snipool.start(new ConfigLoader(Map.<String, String>of()::get).parse("""
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes: [ { hosts: [localhost], backends: ["127.0.0.1:%d"] } ]
                %smetrics: { bind: "127.0.0.1:0" }
                access_log: %s
                """.formatted(backend.port(), moreListeners, accessLog), "t.yaml"), Duration.ofSeconds(30));
    }

    private static String snipoolPort(JsonObject line) {
        String host = line.getString("host");
        return host.substring(host.indexOf(':') + 1);
    }

    /** A real ClientHello with SNI; the handshake fails because the route's backend refuses connections. */
    private static void tlsHello(int port) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName("a.example.test")));
            socket.setSSLParameters(parameters);
            socket.startHandshake();
        } catch (java.io.IOException expected) {
            // the connection is closed without a backend: that is the line being tested
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}

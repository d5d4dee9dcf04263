package io.snipool.core.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.snipool.config.AccessLogField;
import io.snipool.core.testbed.Await;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsyncAccessLogTest {

    @TempDir
    Path dir;

    private static AccessRecord http(int status) {
        return http(status, status, null);
    }

    private static AccessRecord http(int status, int backendStatus, AccessRecord.Tls tls) {
        return new AccessRecord(Instant.parse("2026-11-22T17:00:00Z"), "http", "web", "192.0.2.1:5555",
                "a.example", "GET", "/x?y=1", "HTTP/1.1", "a.example", "127.0.0.1:9000", status, backendStatus, "ok",
                10, 2000, 1500, 0, 1250, "hit", false, 1, "req-7", "curl/8.5.0", null, tls);
    }

    @Test
    void anHttpRecordIsOneJsonLineWithEveryField() {
        JsonObject line = JsonLines.ALL.json(http(200));

        assertThat(line.encode()).isEqualTo("{\"time\":\"2026-11-22T17:00:00Z\",\"kind\":\"http\",\"listener\":\"web\","
                + "\"client\":\"192.0.2.1:5555\",\"host\":\"a.example\",\"method\":\"GET\",\"path\":\"/x?y=1\","
                + "\"protocol\":\"HTTP/1.1\",\"route\":\"a.example\",\"backend\":\"127.0.0.1:9000\",\"status\":200,"
                + "\"outcome\":\"ok\",\"bytes_in\":10,\"bytes_out\":2000,\"duration_ms\":1.5,"
                + "\"upstream_connect_ms\":0.0,\"upstream_first_byte_ms\":1.25,\"pool\":\"hit\",\"stale_retry\":false,"
                + "\"attempts\":1,\"retries\":0,\"request_id\":\"req-7\",\"user_agent\":\"curl/8.5.0\"}");
    }

    @Test
    void theSelectedFieldsAreWrittenInTheirOrder() {
        JsonObject line = new JsonLines(List.of(AccessLogField.REQUEST_ID, AccessLogField.STATUS,
                AccessLogField.REFERER, AccessLogField.TIME)).json(http(200));

        assertThat(line.encode()).as("referer was not sent: left out")
                .isEqualTo("{\"request_id\":\"req-7\",\"status\":200,\"time\":\"2026-11-22T17:00:00Z\"}");
    }

    @Test
    void theBackendStatusIsWrittenWhenItDiffersFromTheStatusSent() {
        assertThat(JsonLines.ALL.json(http(200)).containsKey("backend_status")).isFalse();

        JsonObject replaced = JsonLines.ALL.json(http(502, 101, null));
        assertThat(replaced.getInteger("status")).isEqualTo(502);
        assertThat(replaced.getInteger("backend_status")).isEqualTo(101);
    }

    @Test
    void aTerminatedRequestCarriesItsTls() {
        AccessRecord terminated = http(200, 200, new AccessRecord.Tls("TLSv1.3", "TLS_AES_128_GCM_SHA256",
                "a.example"));

        JsonObject line = JsonLines.ALL.json(terminated);
        assertThat(line.getString("tls_version")).isEqualTo("TLSv1.3");
        assertThat(line.getString("cipher")).isEqualTo("TLS_AES_128_GCM_SHA256");
        assertThat(line.getString("sni")).isEqualTo("a.example");
        assertThat(JsonLines.ALL.json(http(200)).fieldNames()).doesNotContain("tls_version", "cipher", "sni");
    }

    @Test
    void aTlsRecordLeavesOutWhatDoesNotApply() {
        AccessRecord tls = AccessRecord.tunnel(Instant.EPOCH, "edge", "[2001:db8::1]:4444", "a.example",
                "a.example", "127.0.0.1:9443", "tunnelled", 517, 4096, 2_000_000, 2);

        assertThat(JsonLines.ALL.json(tls).fieldNames()).containsExactly("time", "kind", "listener", "client", "host",
                "route", "backend", "outcome", "bytes_in", "bytes_out", "duration_ms", "attempts", "retries");
    }

    @Test
    void combinedLinesAreApacheCombinedWithTheRequestIdAndDuration() {
        assertThat(new CombinedLines().line(http(200))).isEqualTo("192.0.2.1 - - [22/Nov/2026:17:00:00 +0000]"
                + " \"GET /x?y=1 HTTP/1.1\" 200 2000 \"-\" \"curl/8.5.0\" req-7 1.500");

        AccessRecord hostile = new AccessRecord(Instant.EPOCH, "http", "web", "[2001:db8::1]:4444", "a.example",
                "GET", "/\"x\\", "HTTP/1.0", null, null, 400, 0, "refused", 0, 0, 7, -1, -1, null, false, 0, "r",
                "evil\" agent\u00e9", "http://r.example/", null);
        assertThat(new CombinedLines().line(hostile)).isEqualTo("2001:db8::1 - - [01/Jan/1970:00:00:00 +0000]"
                + " \"GET /\\x22x\\x5C HTTP/1.0\" 400 - \"http://r.example/\" \"evil\\x22 agent\\xE9\" r 0.007");

        AccessRecord tunnel = AccessRecord.tunnel(Instant.EPOCH, "edge", "192.0.2.9:4444", "a.example", "a.example",
                "127.0.0.1:9443", "tunnelled", 517, 4096, 2_000_000, 1);
        assertThat(new CombinedLines().line(tunnel)).isEqualTo("192.0.2.9 - - [01/Jan/1970:00:00:00 +0000] \"-\" -"
                + " 4096 \"-\" \"-\" - 2000.000");
    }

    @Test
    void writesToStandardOutput() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AsyncAccessLog log = new AsyncAccessLog(null, new PrintStream(captured, true, StandardCharsets.UTF_8),
                JsonLines.ALL, 16, new SimpleMeterRegistry());
        log.log(http(200));
        log.log(http(404));
        log.close();

        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(new JsonObject(lines.get(1)).getInteger("status")).isEqualTo(404);
    }

    @Test
    void writesTheFormatItWasGiven() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AsyncAccessLog log = new AsyncAccessLog(null, new PrintStream(captured, true, StandardCharsets.UTF_8),
                new CombinedLines(), 16, new SimpleMeterRegistry());
        log.log(http(200));
        log.close();

        assertThat(captured.toString(StandardCharsets.UTF_8)).startsWith("192.0.2.1 - - [22/Nov/2026:17:00:00 +0000]")
                .endsWith(" req-7 1.500\n");
    }

    @Test
    void reopensTheFileAfterRotation() throws Exception {
        Path file = dir.resolve("access.log");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AsyncAccessLog log = new AsyncAccessLog(file, System.out, JsonLines.ALL, 16, registry);
        log.log(http(200));
        awaitLines(registry, 1);

        Files.move(file, dir.resolve("access.log.1"));
        log.reopen();
        log.log(http(201));
        log.close();

        assertThat(Files.readAllLines(dir.resolve("access.log.1"))).hasSize(1)
                .allMatch(l -> l.contains("\"status\":200"));
        assertThat(Files.readAllLines(file)).hasSize(1).allMatch(l -> l.contains("\"status\":201"));
        assertThat(registry.get(AsyncAccessLog.DROPPED).counter().count()).isZero();
    }

    private static void awaitLines(SimpleMeterRegistry registry, int lines) throws InterruptedException {
        Await.until(lines + " lines written", () -> registry.get(AsyncAccessLog.WRITTEN).counter().count(),
                written -> written >= lines);
        assertThat(registry.get(AsyncAccessLog.WRITTEN).counter().count()).isEqualTo(lines);
    }
}

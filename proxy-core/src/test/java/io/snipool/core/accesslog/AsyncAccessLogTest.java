package io.snipool.core.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
        return new AccessRecord(Instant.parse("2026-11-22T17:00:00Z"), "http", "web", "192.0.2.1:5555",
                "a.example", "a.example", "127.0.0.1:9000", status, "ok", "GET", "/x?y=1", 10, 2000, 1500, "hit",
                false, 1, null);
    }

    @Test
    void anHttpRecordIsOneJsonLineWithEveryField() {
        JsonObject line = http(200).toJson();

        assertThat(line.encode()).isEqualTo("{\"time\":\"2026-11-22T17:00:00Z\",\"kind\":\"http\",\"listener\":\"web\","
                + "\"client\":\"192.0.2.1:5555\",\"host\":\"a.example\",\"method\":\"GET\",\"path\":\"/x?y=1\","
                + "\"route\":\"a.example\",\"backend\":\"127.0.0.1:9000\",\"status\":200,\"outcome\":\"ok\","
                + "\"bytes_in\":10,\"bytes_out\":2000,\"duration_ms\":1.5,\"pool\":\"hit\",\"stale_retry\":false,"
                + "\"attempts\":1}");
    }

    @Test
    void aTerminatedRequestCarriesItsTls() {
        AccessRecord terminated = new AccessRecord(Instant.EPOCH, "http", "edge", "192.0.2.1:5555", "a.example",
                "a.example", "127.0.0.1:9000", 200, "ok", "GET", "/", 0, 2, 1000, "hit", false, 1,
                new AccessRecord.Tls("TLSv1.3", "TLS_AES_128_GCM_SHA256", "a.example"));

        JsonObject line = terminated.toJson();
        assertThat(line.getString("tls_version")).isEqualTo("TLSv1.3");
        assertThat(line.getString("cipher")).isEqualTo("TLS_AES_128_GCM_SHA256");
        assertThat(line.getString("sni")).isEqualTo("a.example");
        assertThat(http(200).toJson().fieldNames()).doesNotContain("tls_version", "cipher", "sni");
    }

    @Test
    void aTlsRecordLeavesOutWhatDoesNotApply() {
        AccessRecord tls = new AccessRecord(Instant.EPOCH, "tls", "edge", "[2001:db8::1]:4444", "a.example",
                "a.example", "127.0.0.1:9443", 0, "tunnelled", null, null, 517, 4096, 2_000_000, null, false, 2, null);

        assertThat(tls.toJson().fieldNames()).containsExactly("time", "kind", "listener", "client", "host", "route",
                "backend", "outcome", "bytes_in", "bytes_out", "duration_ms", "attempts");
    }

    @Test
    void writesToStandardOutput() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AsyncAccessLog log = new AsyncAccessLog(null, new PrintStream(captured, true, StandardCharsets.UTF_8), 16,
                new SimpleMeterRegistry());
        log.log(http(200));
        log.log(http(404));
        log.close();

        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(new JsonObject(lines.get(1)).getInteger("status")).isEqualTo(404);
    }

    @Test
    void reopensTheFileAfterRotation() throws Exception {
        Path file = dir.resolve("access.log");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AsyncAccessLog log = new AsyncAccessLog(file, System.out, 16, registry);
        log.log(http(200));
        awaitLines(registry, 1);

        Files.move(file, dir.resolve("access.log.1"));
        log.reopen();
        log.log(http(201));
        log.close();

        assertThat(Files.readAllLines(dir.resolve("access.log.1"))).hasSize(1).allMatch(l -> l.contains("\"status\":200"));
        assertThat(Files.readAllLines(file)).hasSize(1).allMatch(l -> l.contains("\"status\":201"));
        assertThat(registry.get(AsyncAccessLog.DROPPED).counter().count()).isZero();
    }

    private static void awaitLines(SimpleMeterRegistry registry, int lines) throws InterruptedException {
        Await.until(lines + " lines written", () -> registry.get(AsyncAccessLog.WRITTEN).counter().count(),
                written -> written >= lines);
        assertThat(registry.get(AsyncAccessLog.WRITTEN).counter().count()).isEqualTo(lines);
    }
}

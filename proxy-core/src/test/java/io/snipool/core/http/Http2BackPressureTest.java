package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Back-pressure through an h2 stream, both ways, as {@link BackPressureTest} checks HTTP/1.1: a stream whose client
 * reads nothing closes its flow-control window, and the backend stalls after what the windows and socket buffers
 * hold; a backend that reads nothing leaves the stream's body frames unread, so the client's window closes and the
 * upload stalls. 32 MiB is far more than every window and buffer on the way.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Http2BackPressureTest {

    private static final int BODY = 32 * 1024 * 1024;
    private static final int BLOCK = 64 * 1024;

    private static TestProxy proxy(Vertx vertx, RawBackend backend) {
        return TestProxy.start(vertx, """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    http2: prior_knowledge
                    routes:
                      - { hosts: ["a.test"], backends: ["%s"] }
                """.formatted(backend.address()), Map.of(),
                (host, loop, callback) -> callback.failed(new UnknownHostException(host)));
    }

    @Test
    void aStreamThatDoesNotReadStallsTheBackend(Vertx vertx) throws Exception {
        AtomicLong written = new AtomicLong();
        byte[] block = Payloads.bytes(BLOCK, 5);
        TestProxy proxy = null;
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n");
            for (int sent = 0; sent < BODY; sent += BLOCK) {
                connection.write(block);
                written.addAndGet(BLOCK);
            }
        })) {
            proxy = proxy(vertx, backend);
            try (H2Client client = H2Client.h2c(proxy.port("web"), "a.test")) {
                H2Client.StreamRecorder recorder = new H2Client.StreamRecorder();
                Http2StreamChannel stream = client.openPaused(recorder);
                stream.writeAndFlush(new DefaultHttp2HeadersFrame(client.head("GET", "/big"), true));
                long stalledAt = BackPressureTest.awaitStall(written::get);
                assertThat(stalledAt).as("bytes the backend could write while the stream read nothing")
                        .isLessThan(BODY / 2);
                stream.eventLoop().execute(() -> stream.config().setAutoRead(true));
                H2Client.Response response = recorder.done.get(Await.SLOW_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                assertThat(response.body()).hasSize(BODY);
                assertThat(sha256(response.body())).isEqualTo(BackPressureTest.sha256OfRepeated(block,
                        BODY / BLOCK));
            }
        } finally {
            if (proxy != null) {
                proxy.stop();
            }
        }
    }

    @Test
    void aBackendThatDoesNotReadStallsTheStreamsUpload(Vertx vertx) throws Exception {
        CountDownLatch startReading = new CountDownLatch(1);
        AtomicReference<String> digest = new AtomicReference<>();
        byte[] body = new byte[BODY];
        for (int offset = 0; offset < BODY; offset += BLOCK) {
            System.arraycopy(Payloads.bytes(BLOCK, 6), 0, body, offset, BLOCK);
        }
        TestProxy proxy = null;
        try (RawBackend backend = new RawBackend(connection -> {
            HttpWire.Request head = HttpWire.readRequestHead(connection::read);
            Http2ProxyBase.await(startReading);
            MessageDigest sha256 = sha256Digest();
            byte[] buffer = new byte[BLOCK];
            long remaining = Long.parseLong(head.header("Content-Length"));
            while (remaining > 0) {
                int n = connection.readUnrecorded(buffer, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new IOException("upload ended early");
                }
                sha256.update(buffer, 0, n);
                remaining -= n;
            }
            digest.set(HexFormat.of().formatHex(sha256.digest()));
            connection.write("HTTP/1.1 204 No Content\r\n\r\n");
        })) {
            proxy = proxy(vertx, backend);
            TestProxy running = proxy;
            try (H2Client client = H2Client.h2c(proxy.port("web"), "a.test")) {
                var response = client.send(client.head("POST", "/up").add("content-length",
                        Integer.toString(BODY)), body, null);
                long stalledAt = BackPressureTest.awaitStall(
                        () -> (long) running.bytes("web", "client_to_backend"));
                assertThat(stalledAt).as("body bytes passed to the backend while it read nothing")
                        .isLessThan(BODY / 2);
                startReading.countDown();
                assertThat(response.get(Await.SLOW_TIMEOUT.toSeconds(), TimeUnit.SECONDS).status())
                        .isEqualTo(204);
                assertThat(digest.get()).isEqualTo(sha256(body));
            }
        } finally {
            if (proxy != null) {
                proxy.stop();
            }
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(sha256Digest().digest(bytes));
    }
}

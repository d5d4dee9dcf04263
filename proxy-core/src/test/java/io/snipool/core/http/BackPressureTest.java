package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Back-pressure both ways: while one end does not read, the proxy stops reading from the other, so the sender stalls
 * after what the socket buffers hold instead of the proxy buffering the whole body. 64 MiB is far more than the
 * kernel's buffers on both hops.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackPressureTest {

    private static final int BODY = 64 * 1024 * 1024;
    private static final int BLOCK = 64 * 1024;

    @Test
    void aClientThatDoesNotReadStallsTheBackend(Vertx vertx) throws Exception {
        AtomicLong written = new AtomicLong();
        byte[] block = Payloads.bytes(BLOCK, 3);
        try (RawBackend backend = new RawBackend(connection -> {
            connection.readRequest();
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n");
            for (int sent = 0; sent < BODY; sent += BLOCK) {
                connection.write(block);
                written.addAndGet(BLOCK);
            }
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            client.send(RawClient.get("a.test", "/big"));
            long stalledAt = awaitStall(written::get);
            assertThat(stalledAt).as("bytes the backend could write while the client read nothing")
                    .isLessThan(BODY / 2);
            HttpWire.Response response = client.read();
            assertThat(response.body()).hasSize(BODY);
            assertThat(Payloads.sha256(response.body())).isEqualTo(sha256OfRepeated(block, BODY / BLOCK));
        }
    }

    @Test
    void aBackendThatDoesNotReadStallsTheClient(Vertx vertx) throws Exception {
        AtomicLong sent = new AtomicLong();
        CountDownLatch startReading = new CountDownLatch(1);
        AtomicReference<String> digest = new AtomicReference<>();
        byte[] block = Payloads.bytes(BLOCK, 4);
        try (RawBackend backend = new RawBackend(connection -> {
            HttpWire.Request head = HttpWire.readRequestHead(connection::read);
            await(startReading);
            MessageDigest sha256 = sha256();
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
        });
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            Thread uploader = new Thread(() -> {
                try {
                    client.send("POST /up HTTP/1.1\r\nHost: a.test\r\nContent-Length: " + BODY + "\r\n\r\n");
                    for (int offset = 0; offset < BODY; offset += BLOCK) {
                        client.send(block);
                        sent.addAndGet(BLOCK);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "uploader");
            uploader.setDaemon(true);
            uploader.start();
            long stalledAt = awaitStall(sent::get);
            assertThat(stalledAt).as("bytes the client could send while the backend read nothing")
                    .isLessThan(BODY / 2);
            startReading.countDown();
            assertThat(client.read().status()).isEqualTo(204);
            uploader.join(10_000);
            assertThat(digest.get()).isEqualTo(sha256OfRepeated(block, BODY / BLOCK));
        }
    }

    /** Polls a byte count until it has not moved for half a second, and returns it; bounded by ten seconds. */
    static long awaitStall(LongSupplier count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long last = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = count.getAsLong();
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            } else if (now > 0 && System.nanoTime() - stableSince > TimeUnit.MILLISECONDS.toNanos(500)) {
                return now;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the sender never stalled; it sent " + last + " bytes");
    }

    static String sha256OfRepeated(byte[] block, int times) {
        MessageDigest sha256 = sha256();
        for (int i = 0; i < times; i++) {
            sha256.update(block);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

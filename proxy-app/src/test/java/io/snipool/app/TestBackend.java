package io.snipool.app;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An HTTP backend on an ephemeral port that answers with its name and counts the connections it accepts. */
final class TestBackend implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    /** @param delay how long each response is held back (a slow backend) */
    TestBackend(Vertx vertx, String name, Duration delay) throws Exception {
        server = vertx.createHttpServer()
                .connectionHandler(connection -> connections.incrementAndGet())
                .requestHandler(request -> {
                    requests.incrementAndGet();
                    if (delay.isZero()) {
                        request.response().end(name);
                    } else {
                        vertx.setTimer(delay.toMillis(), timer -> request.response().end(name));
                    }
                });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    int connections() {
        return connections.get();
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}

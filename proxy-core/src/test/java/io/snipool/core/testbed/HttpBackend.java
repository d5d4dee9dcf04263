package io.snipool.core.testbed;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 server (Vert.x's) on an ephemeral loopback port that answers every request with its name, at once
 * or after a set delay, and counts the connections it accepts, those still open, and the requests it serves: the
 * connection count is what a pooling proxy spares its backend.
 */
public final class HttpBackend {

    private final String name;
    private final HttpServer server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();

    private HttpBackend(String name, HttpServer server) {
        this.name = name;
        this.server = server;
    }

    public static Future<HttpBackend> start(Vertx vertx, String name) {
        return start(vertx, name, Duration.ZERO);
    }

    /** @param delay how long each response is held back after its request has come (a slow backend) */
    public static Future<HttpBackend> start(Vertx vertx, String name, Duration delay) {
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
        HttpBackend backend = new HttpBackend(name, server);
        server.connectionHandler(connection -> {
            backend.accepted.incrementAndGet();
            backend.open.incrementAndGet();
            connection.closeHandler(ignored -> backend.open.decrementAndGet());
        });
        server.requestHandler(request -> {
            backend.requests.incrementAndGet();
            if (delay.isZero()) {
                request.response().putHeader("Content-Type", "text/plain").end(name);
            } else {
                vertx.setTimer(delay.toMillis(),
                        timer -> request.response().putHeader("Content-Type", "text/plain").end(name));
            }
        });
        return server.listen().map(ignored -> backend);
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.actualPort();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Connections accepted and not closed yet. */
    public int open() {
        return open.get();
    }

    /** Requests answered so far. */
    public long requests() {
        return requests.get();
    }

    public Future<Void> close() {
        return server.close();
    }
}

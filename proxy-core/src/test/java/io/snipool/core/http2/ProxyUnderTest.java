package io.snipool.core.http2;

import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.core.testbed.Await;
import io.snipool.core.testbed.HttpBackend;
import io.snipool.core.testbed.TestProxy;
import io.vertx.core.Vertx;
import java.net.UnknownHostException;
import java.util.Map;

/** A snipool listener {@code web} (http, h2c with prior knowledge) routing {@code a.test} to a counting backend. */
final class ProxyUnderTest implements H2Server {

    private final Vertx vertx = Vertx.vertx();
    private final HttpBackend backend;
    private final TestProxy proxy;

    ProxyUnderTest(String keys, int bodyBytes) {
        // The backend answers with its name: a name of bodyBytes letters is a body of that size.
        backend = Await.result(HttpBackend.start(vertx, "b".repeat(Math.max(1, bodyBytes))));
        proxy = TestProxy.start(vertx, """
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    http2: prior_knowledge
                    routes:
                      - { hosts: ["a.test"], backends: ["127.0.0.1:%d"] }
                metrics: { bind: "127.0.0.1:0" }
                http2: { %s }
                """.formatted(backend.port(), keys), Map.of(),
                (host, loop, callback) -> callback.failed(new UnknownHostException(host)));
    }

    @Override
    public int port() {
        return proxy.port("web");
    }

    @Override
    public int backendRequests() {
        return (int) backend.requests();
    }

    @Override
    public int openBackendConnections() {
        return backend.open();
    }

    @Override
    public MeterRegistry registry() {
        return proxy.registry();
    }

    @Override
    public String listener() {
        return "web";
    }

    @Override
    public void close() {
        proxy.stop();
        Await.result(backend.close());
        Await.result(vertx.close());
    }
}

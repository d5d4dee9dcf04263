package io.snipool.core.http;

import static io.snipool.core.http.ExchangeFramingTest.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.Cidr;
import io.snipool.config.ForwardedConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.core.testbed.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code forwarded.trusted_proxies} through a real listener: a client outside it cannot tell a backend another
 * address (its forwarding fields are replaced), a proxy inside it has the client appended to its chain. The test's
 * clients connect from 127.0.0.1.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForwardedTrustTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    private static final String[] FORGED = {"X-Forwarded-For: 198.51.100.1", "X-Forwarded-Proto: https",
        "X-Forwarded-Host: forged.test", "Forwarded: for=198.51.100.1", "X-Real-IP: 198.51.100.1"};

    @Test
    void fromAnUntrustedClientTheForwardingFieldsAreReplaced(Vertx vertx) throws Exception {
        Queue<HttpWire.Request> received = new ConcurrentLinkedQueue<>();
        try (RawBackend backend = new RawBackend(RawBackend.recording(received, OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            assertThat(client.exchange(RawClient.get("a.test", "/", FORGED)).status()).isEqualTo(200);

            HttpWire.Request request = received.remove();
            assertThat(request.message().all("X-Forwarded-For")).containsExactly("127.0.0.1");
            assertThat(request.message().all("X-Forwarded-Proto")).containsExactly("http");
            assertThat(request.message().all("X-Forwarded-Host")).containsExactly("a.test");
            assertThat(request.message().all("Forwarded")).isEmpty();
            assertThat(request.message().all("X-Real-IP")).isEmpty();
        }
    }

    @Test
    void fromAnUntrustedClientTheForwardedStyleIsReplacedToo(Vertx vertx) throws Exception {
        Queue<HttpWire.Request> received = new ConcurrentLinkedQueue<>();
        try (RawBackend backend = new RawBackend(RawBackend.recording(received, OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "",
                     "forwarded_headers: forwarded");
             RawClient client = new RawClient(proxy.port())) {
            client.exchange(RawClient.get("a.test", "/", FORGED));

            HttpWire.Request request = received.remove();
            assertThat(request.message().all("Forwarded")).containsExactly("for=127.0.0.1;proto=http;host=a.test");
            assertThat(request.message().all("X-Forwarded-For")).isEmpty();
            assertThat(request.message().all("X-Real-IP")).isEmpty();
        }
    }

    @Test
    void fromATrustedProxyTheClientIsAppended(Vertx vertx) throws Exception {
        Queue<HttpWire.Request> received = new ConcurrentLinkedQueue<>();
        try (RawBackend backend = new RawBackend(RawBackend.recording(received, OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend),
                     "forwarded: { trusted_proxies: [127.0.0.0/8] }\n");
             RawClient client = new RawClient(proxy.port())) {
            client.exchange(RawClient.get("a.test", "/", FORGED));

            HttpWire.Request request = received.remove();
            assertThat(request.message().all("X-Forwarded-For")).containsExactly("198.51.100.1, 127.0.0.1");
            assertThat(request.message().all("X-Forwarded-Proto")).containsExactly("https");
            assertThat(request.message().all("X-Forwarded-Host")).containsExactly("forged.test");
            assertThat(request.message().all("X-Real-IP")).containsExactly("198.51.100.1");
        }
    }

    @Test
    void aReloadThatTrustsTheClientAppliesToItsOpenConnection(Vertx vertx) throws Exception {
        Queue<HttpWire.Request> received = new ConcurrentLinkedQueue<>();
        try (RawBackend backend = new RawBackend(RawBackend.recording(received, OK));
             ProxyUnderTest proxy = new ProxyUnderTest(vertx, route("a.test", backend), "");
             RawClient client = new RawClient(proxy.port())) {
            client.exchange(RawClient.get("a.test", "/", FORGED));
            ProxyConfig now = proxy.server().config();
            Await.result(proxy.server().reload(new ProxyConfig(now.listeners(), now.pool(), now.timeouts(),
                    now.limits(), now.http2(), now.metrics(), now.shutdown(), now.accessLog(),
                    new ForwardedConfig(List.of(Cidr.parse("127.0.0.1"))), now.logging(), now.reload(),
                    now.transport(), now.accept(), now.warnings())));
            client.exchange(RawClient.get("a.test", "/", FORGED));

            assertThat(received.remove().message().all("X-Forwarded-For")).containsExactly("127.0.0.1");
            assertThat(received.remove().message().all("X-Forwarded-For")).containsExactly("198.51.100.1, 127.0.0.1");
        }
    }
}

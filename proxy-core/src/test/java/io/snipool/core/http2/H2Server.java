package io.snipool.core.http2;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.config.InvalidConfigException;
import io.snipool.core.metrics.Http2Meters;

/** The server an attack test aims at, and what it counts: its refusals, its GOAWAY frames, its backend's requests. */
interface H2Server extends AutoCloseable {

    /** Where the attack tests run; each test class runs once against each. */
    enum Target {
        /** A real snipool listener (h2c with prior knowledge) in front of a real counting HTTP/1.1 backend. */
        PROXY,
        /** Only this package's handlers, with a responder standing in for the client-side mapping and backend. */
        STAND_IN;

        /**
         * Starts a server whose {@code http2} block is {@code keys} (YAML flow-mapping entries) and whose backend
         * answers every request with 200 and {@code bodyBytes} bytes (at least one through the proxy).
         */
        H2Server start(String keys, int bodyBytes) throws InterruptedException, InvalidConfigException {
            return this == PROXY ? new ProxyUnderTest(keys, bodyBytes)
                    : new StandInServer(Http2Attacks.limits(keys), bodyBytes);
        }
    }

    int port();

    /** Requests whose head reached the backend. */
    int backendRequests();

    /** Backend connections open now; the stand-in has none. */
    int openBackendConnections();

    MeterRegistry registry();

    /** The {@code listener} label of this server's meters. */
    String listener();

    default double refusals(Http2Meters.Refusal reason) {
        return count(Http2Meters.REFUSALS, "reason", reason.label());
    }

    /** GOAWAY frames snipool sent with {@code error} (the lower-case RFC 9113 §7 name). */
    default double goAwaysSent(String error) {
        return count(Http2Meters.GOAWAYS, "direction", "sent", "error", error);
    }

    default double goAwaysReceived(String error) {
        return count(Http2Meters.GOAWAYS, "direction", "received", "error", error);
    }

    private double count(String name, String... tags) {
        Counter counter = registry().find(name).tag("listener", listener()).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    void close();
}

package io.snipool.core.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.config.Http2Limits;
import io.snipool.config.InvalidConfigException;
import io.snipool.core.metrics.Http2Meters.Refusal;
import java.time.Duration;
import java.util.Map;
import java.util.function.DoubleSupplier;

/** What the attack tests share: limits written as the operator would, and waiting on a counter. */
final class Http2Attacks {

    static final Duration WAIT = Duration.ofSeconds(10);

    private Http2Attacks() {
    }

    /** The {@code http2} block with {@code keys} (YAML flow-mapping entries) over the defaults. */
    static Http2Limits limits(String keys) throws InvalidConfigException {
        return new ConfigLoader(Map.<String, String>of()::get).parse("""
                listeners:
                  - { name: h2, bind: "127.0.0.1:0", mode: http, routes: [ { hosts: ["*"], backends: ["b:80"] } ] }
                http2: { %s }
                """.formatted(keys), "test.yaml").http2();
    }

    /** Polls {@code counter} until it reaches {@code expected} or {@link #WAIT} passes, then asserts it. */
    static void awaitCount(String what, DoubleSupplier counter, double expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (counter.getAsDouble() < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(counter.getAsDouble()).as(what).isEqualTo(expected);
    }

    static void awaitRefusals(H2Server server, Refusal reason, double expected) throws InterruptedException {
        awaitCount("refusals " + reason.label(), () -> server.refusals(reason), expected);
    }
}

package io.snipool.core.http;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend's final response head said about its framing and about keeping the connection, as
 * {@link ResponseForwarder} read it before fitting the head to the client.
 *
 * @param http10           the response is HTTP/1.0
 * @param keepAliveToken   its {@code Connection} field has {@code keep-alive}
 * @param connectionClose  its {@code Connection} field has {@code close}
 * @param closeDelimited   its body ends when the connection closes (no length, not chunked, not bodiless)
 * @param keepAliveTimeout its {@code Keep-Alive: timeout=N}, if it gave one
 */
public record ResponseFraming(boolean http10, boolean keepAliveToken, boolean connectionClose,
                              boolean closeDelimited, Optional<Duration> keepAliveTimeout) {

    public ResponseFraming {
        Objects.requireNonNull(keepAliveTimeout, "keepAliveTimeout");
    }
}

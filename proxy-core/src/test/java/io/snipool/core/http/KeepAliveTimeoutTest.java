package io.snipool.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A backend's {@code Keep-Alive: timeout=N} hint, as the forwarder reads it for the pool. */
class KeepAliveTimeoutTest {

    @ParameterizedTest(name = "''{0}'' gives {1}s")
    @CsvSource(delimiter = '|', value = {
        "timeout=5|5",
        "timeout=5, max=100|5",
        "max=100, timeout=7|7",
        " Timeout = 3 |3",
        "TIMEOUT=60|60",
    })
    void readsTheTimeout(String header, long seconds) {
        assertThat(ResponseForwarder.keepAliveTimeout(header)).contains(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest(name = "''{0}'' gives no hint")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
        "timeout=0",
        "timeout=-1",
        "timeout=x",
        "timeout=\"5\"",
        "timeout=",
        "timeout",
        "max=5",
        "''",
        "timeout=99999999999999999999",
    })
    void ignoresWhatItCannotRead(String header) {
        assertThat(ResponseForwarder.keepAliveTimeout(header)).isEmpty();
    }

    @Test
    void noHeaderNoHint() {
        assertThat(ResponseForwarder.keepAliveTimeout(null)).isEmpty();
    }
}

package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class JvmDefaultsTest {

    @Test
    void setsEachDefaultThatIsMissing() {
        Properties properties = new Properties();
        JvmDefaults.apply(properties);
        assertThat(properties).containsEntry("io.netty.allocator.type", "pooled")
                .containsEntry("jdk.tls.rejectClientInitiatedRenegotiation", "true")
                .containsEntry("io.netty.jfr.enabled", "false")
                .containsEntry("io.netty.iouring.pollAddMultishotEnabled", "false");
    }

    @Test
    void theOperatorsOwnValueWins() {
        Properties properties = new Properties();
        properties.setProperty("io.netty.allocator.type", "adaptive");
        JvmDefaults.apply(properties);
        assertThat(properties).containsEntry("io.netty.allocator.type", "adaptive")
                .containsEntry("jdk.tls.rejectClientInitiatedRenegotiation", "true");
    }
}

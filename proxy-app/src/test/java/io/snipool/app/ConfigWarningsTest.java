package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.config.ProxyConfig;
import io.snipool.core.testbed.CapturedLogs;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** A valid configuration's warnings reach the process log, one line each, with the file, key path and line. */
class ConfigWarningsTest {

    @Test
    void eachWarningIsLoggedWithItsFileAndLine() throws Exception {
        ProxyConfig config = new ConfigLoader(name -> null).parse("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:0
                    mode: http
                    routes: [ { hosts: [a.test], backends: ["b:1"], backend_tls: { verify: false } } ]
                """, "warn.yaml");
        List<LogRecord> records;
        try (CapturedLogs captured = CapturedLogs.of(ConfigWarnings.class.getName())) {
            ConfigWarnings.log(Path.of("warn.yaml"), config);
            records = captured.records();
        }

        assertThat(records).extracting(LogRecord::getLevel).containsExactly(Level.WARNING);
        assertThat(records.get(0).getMessage()).isEqualTo("warn.yaml: listeners[0].routes[0].backend_tls.verify:"
                + " verify: false: the backend's certificate is not checked, so anyone on the path to it can read and"
                + " change the traffic (line 5, column 76)");
    }
}

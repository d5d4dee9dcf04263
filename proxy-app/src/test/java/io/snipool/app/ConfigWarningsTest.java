package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.config.ProxyConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
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
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(ConfigWarnings.class.getName());
        logger.addHandler(capture);
        try {
            ConfigWarnings.log(Path.of("warn.yaml"), config);
        } finally {
            logger.removeHandler(capture);
        }

        assertThat(records).extracting(LogRecord::getLevel).containsExactly(Level.WARNING);
        assertThat(records.get(0).getMessage()).isEqualTo("warn.yaml: listeners[0].routes[0].backend_tls.verify:"
                + " verify: false: the backend's certificate is not checked, so anyone on the path to it can read and"
                + " change the traffic (line 5, column 76)");
    }
}

package io.snipool.app;

import io.snipool.config.ConfigProblem;
import io.snipool.config.ProxyConfig;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Logs what a valid configuration still wants the operator to hear (a certificate about to expire,
 * {@code verify: false}), at start and at every reload, so that it reaches whoever watches the process log.
 */
final class ConfigWarnings {

    private static final Logger LOG = Logger.getLogger(ConfigWarnings.class.getName());

    private ConfigWarnings() {
    }

    static void log(Path file, ProxyConfig config) {
        for (ConfigProblem warning : config.warnings()) {
            LOG.warning(file + ": " + warning);
        }
    }
}

package io.snipool.core.proxy;

import io.snipool.core.metrics.LogThrottle;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Logs refused connections of one listener without letting a flood of them flood the log: at most one line per
 * interval, saying how many more were refused since. Every refusal is counted in metrics regardless.
 */
public final class RefusalLog {

    /** At most one log line per this interval per listener. */
    public static final Duration DEFAULT_INTERVAL = LogThrottle.DEFAULT_INTERVAL;

    private static final Logger LOG = Logger.getLogger(RefusalLog.class.getName());

    private final String listener;
    private final LogThrottle throttle;

    public RefusalLog(String listener, Duration interval) {
        this.listener = listener;
        this.throttle = new LogThrottle(interval);
    }

    public void refused(InetAddress client, String reason) {
        Optional<String> line = throttle.admit(() -> "listener " + listener + " refused a connection from "
                + client.getHostAddress() + " (" + reason + ")", "refused");
        if (line.isPresent()) {
            LOG.warning(line.get()); // here, not through a method reference: the log names this class as the source
        }
    }
}

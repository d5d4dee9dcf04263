package io.snipool.core.accesslog;

import io.snipool.config.AccessLogConfig;

/** How an access record becomes one line of text (no line end). Runs on the access log's writer thread. */
public interface AccessLineFormat {

    String line(AccessRecord record);

    /** The format {@code access_log} asks for. */
    static AccessLineFormat of(AccessLogConfig config) {
        return config.format() == AccessLogConfig.Format.COMBINED ? new CombinedLines()
                : new JsonLines(config.fields());
    }
}

package io.snipool.config;

/**
 * The access log: one line per HTTP request and per TLS tunnel.
 *
 * @param path {@code "-"} for standard output, else a file
 */
public record AccessLogConfig(boolean enabled, String path, Format format) {

    /** Line format. */
    public enum Format { JSON }

    public static final boolean DEFAULT_ENABLED = true;
    public static final String STDOUT = "-";

    public static AccessLogConfig defaults() {
        return new AccessLogConfig(DEFAULT_ENABLED, STDOUT, Format.JSON);
    }
}

package io.snipool.config;

/** The process log (not the access log): level and line format. */
public record LoggingConfig(Level level, Format format) {

    /** Severity threshold, most to least severe. */
    public enum Level { ERROR, WARN, INFO, DEBUG, TRACE }

    /** {@code plain}: human-readable lines; {@code json}: one JSON object per line. */
    public enum Format { PLAIN, JSON }

    public static LoggingConfig defaults() {
        return new LoggingConfig(Level.INFO, Format.PLAIN);
    }
}

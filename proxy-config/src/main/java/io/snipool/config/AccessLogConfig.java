package io.snipool.config;

import java.util.List;

/**
 * The access log: one line per HTTP request and per TLS tunnel.
 *
 * @param path   {@code "-"} for standard output, else a file
 * @param fields the fields of a {@code json} line, in the order written; the {@code combined} line is fixed
 */
public record AccessLogConfig(boolean enabled, String path, Format format, List<AccessLogField> fields) {

    /**
     * Line format. {@code json}: one object per line with the selected fields. {@code combined}: the Apache/nginx
     * combined format, followed by the request id and the duration.
     */
    public enum Format { JSON, COMBINED }

    public static final boolean DEFAULT_ENABLED = true;
    public static final String STDOUT = "-";
    /** The fields of a {@code json} line when {@code fields} is not set: all of them. */
    public static final List<AccessLogField> DEFAULT_FIELDS = AccessLogField.ALL;
    /** What the {@code combined} line shows, whatever {@code fields} says. */
    public static final List<AccessLogField> COMBINED_FIELDS = List.of(AccessLogField.CLIENT, AccessLogField.TIME,
            AccessLogField.METHOD, AccessLogField.PATH, AccessLogField.PROTOCOL, AccessLogField.STATUS,
            AccessLogField.BYTES_OUT, AccessLogField.REFERER, AccessLogField.USER_AGENT, AccessLogField.REQUEST_ID,
            AccessLogField.DURATION_MS);

    public AccessLogConfig {
        fields = List.copyOf(fields);
    }

    public static AccessLogConfig defaults() {
        return new AccessLogConfig(DEFAULT_ENABLED, STDOUT, Format.JSON, DEFAULT_FIELDS);
    }

    /** The fields lines are written with: none when disabled, the fixed set for {@code combined}. */
    public List<AccessLogField> written() {
        if (!enabled) {
            return List.of();
        }
        return format == Format.COMBINED ? COMBINED_FIELDS : fields;
    }
}

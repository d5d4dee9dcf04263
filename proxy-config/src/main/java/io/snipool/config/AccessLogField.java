package io.snipool.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A field of a JSON access log line, as {@code access_log.fields} names it. The declaration order is the order of
 * the default line. What each field holds is in docs/operations.md.
 */
public enum AccessLogField {
    TIME, KIND, LISTENER, CLIENT, HOST, METHOD, PATH, PROTOCOL, ROUTE, BACKEND, STATUS, BACKEND_STATUS, OUTCOME,
    BYTES_IN, BYTES_OUT, DURATION_MS, UPSTREAM_CONNECT_MS, UPSTREAM_FIRST_BYTE_MS, POOL, STALE_RETRY, ATTEMPTS,
    RETRIES, REQUEST_ID, USER_AGENT, REFERER, TLS_VERSION, CIPHER, SNI;

    /** Every field, in the default order. */
    public static final List<AccessLogField> ALL = List.of(values());

    private final String key = name().toLowerCase(Locale.ROOT);

    /** The field's name in the configuration and in the JSON line. */
    public String key() {
        return key;
    }

    /**
     * The field called {@code name}.
     *
     * @throws IllegalArgumentException naming every valid field, with a message fit for the user
     */
    public static AccessLogField parse(String name) {
        List<String> keys = new ArrayList<>();
        for (AccessLogField field : values()) {
            if (field.key.equals(name)) {
                return field;
            }
            keys.add(field.key);
        }
        throw new IllegalArgumentException("unknown access log field '" + name + "'"
                + Suggestions.didYouMean(name, keys) + "; valid fields: " + String.join(", ", keys));
    }
}

package io.snipool.core.accesslog;

import io.snipool.config.AccessLogField;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A JSON object per line, with the selected fields in the order listed. A field that does not apply to the record
 * (no backend reached, a TLS connection, a value not sent) is left out rather than written as null.
 */
public final class JsonLines implements AccessLineFormat {

    /** Every field, in the default order. */
    public static final JsonLines ALL = new JsonLines(AccessLogField.ALL);

    private final AccessLogField[] fields;

    public JsonLines(List<AccessLogField> fields) {
        this.fields = fields.toArray(AccessLogField[]::new);
    }

    @Override
    public String line(AccessRecord record) {
        return json(record).encode();
    }

    /** The JSON object of the line. */
    public JsonObject json(AccessRecord record) {
        JsonObject line = new JsonObject();
        for (AccessLogField field : fields) {
            put(line, field, record);
        }
        return line;
    }

    private static void put(JsonObject line, AccessLogField field, AccessRecord record) {
        String key = field.key();
        switch (field) {
            case TIME -> line.put(key, record.time().toString());
            case KIND -> line.put(key, record.kind());
            case LISTENER -> line.put(key, record.listener());
            case CLIENT -> line.put(key, record.client());
            case HOST -> putIfPresent(line, key, record.host());
            case METHOD -> putIfPresent(line, key, record.method());
            case PATH -> putIfPresent(line, key, record.path());
            case PROTOCOL -> putIfPresent(line, key, record.protocol());
            case ROUTE -> putIfPresent(line, key, record.route());
            case BACKEND -> putIfPresent(line, key, record.backend());
            case STATUS -> {
                if (record.status() != 0) {
                    line.put(key, record.status());
                }
            }
            case BACKEND_STATUS -> {
                if (record.backendStatus() != 0 && record.backendStatus() != record.status()) {
                    line.put(key, record.backendStatus());
                }
            }
            case OUTCOME -> line.put(key, record.outcome());
            case BYTES_IN -> line.put(key, record.bytesIn());
            case BYTES_OUT -> line.put(key, record.bytesOut());
            case DURATION_MS -> line.put(key, record.durationMicros() / 1000.0);
            case UPSTREAM_CONNECT_MS -> putMillis(line, key, record.upstreamConnectMicros());
            case UPSTREAM_FIRST_BYTE_MS -> putMillis(line, key, record.upstreamFirstByteMicros());
            case POOL -> putIfPresent(line, key, record.pool());
            case STALE_RETRY -> {
                if ("http".equals(record.kind())) {
                    line.put(key, record.staleRetry());
                }
            }
            case ATTEMPTS -> {
                if (record.attempts() > 0) {
                    line.put(key, record.attempts());
                }
            }
            case RETRIES -> {
                if (record.attempts() > 0) {
                    line.put(key, record.retries());
                }
            }
            case REQUEST_ID -> putIfPresent(line, key, record.requestId());
            case USER_AGENT -> putIfPresent(line, key, record.userAgent());
            case REFERER -> putIfPresent(line, key, record.referer());
            case TLS_VERSION -> putIfPresent(line, key, record.tls() == null ? null : record.tls().version());
            case CIPHER -> putIfPresent(line, key, record.tls() == null ? null : record.tls().cipher());
            case SNI -> putIfPresent(line, key, record.tls() == null ? null : record.tls().sni());
        }
    }

    private static void putMillis(JsonObject line, String key, long micros) {
        if (micros >= 0) {
            line.put(key, micros / 1000.0);
        }
    }

    private static void putIfPresent(JsonObject line, String key, String value) {
        if (value != null) {
            line.put(key, value);
        }
    }
}

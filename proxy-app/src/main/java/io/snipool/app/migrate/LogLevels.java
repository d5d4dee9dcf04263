package io.snipool.app.migrate;

import java.util.Locale;

/** syslog priorities (sniproxy's {@code priority}) as snipool's {@code logging.level}. */
final class LogLevels {

    private LogLevels() {
    }

    static String of(String priority) {
        return switch (priority.toLowerCase(Locale.ROOT)) {
            case "debug" -> "debug";
            case "info", "notice" -> "info";
            case "warning", "warn" -> "warn";
            default -> "error";
        };
    }
}

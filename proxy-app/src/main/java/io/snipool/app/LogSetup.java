package io.snipool.app;

import io.snipool.config.LoggingConfig;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Configures the process log on java.util.logging, which Vert.x, Netty and Micrometer all write to when no other
 * backend is present, so one setting governs every library's output. Lines go to standard error; standard output
 * is left to the access log.
 */
public final class LogSetup {

    /**
     * vertx-micrometer registers the admin server's connection gauge once per server and Micrometer warns about
     * the duplicate on the first request; the meter works, so the warning is noise. Held here because
     * java.util.logging keeps loggers only weakly, which would lose the level.
     */
    private static final Logger MICROMETER_REGISTRY = Logger.getLogger("io.micrometer.core.instrument.MeterRegistry");

    private LogSetup() {
    }

    /** Replaces the root handlers with one standard-error handler of the configured level and format. */
    public static void apply(LoggingConfig config) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        Level level = toJul(config.level());
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(level);
        handler.setFormatter(config.format() == LoggingConfig.Format.JSON ? new JsonFormatter() : new PlainFormatter());
        root.addHandler(handler);
        root.setLevel(level);
        MICROMETER_REGISTRY.setLevel(Level.SEVERE);
    }

    static Level toJul(LoggingConfig.Level level) {
        return switch (level) {
            case ERROR -> Level.SEVERE;
            case WARN -> Level.WARNING;
            case INFO -> Level.INFO;
            case DEBUG -> Level.FINE;
            case TRACE -> Level.FINEST;
        };
    }

    static String levelName(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (value >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (value >= Level.INFO.intValue()) {
            return "INFO";
        }
        return value >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter text = new StringWriter();
        thrown.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    /** {@code 2026-11-22T16:09:00.123Z INFO  io.snipool.app.Snipool - message}. */
    static final class PlainFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder(128)
                    .append(Instant.ofEpochMilli(record.getMillis()))
                    .append(' ').append(String.format("%-5s", levelName(record.getLevel())))
                    .append(' ').append(record.getLoggerName())
                    .append(" - ").append(formatMessage(record))
                    .append(System.lineSeparator());
            if (record.getThrown() != null) {
                line.append(stackTrace(record.getThrown()));
            }
            return line.toString();
        }
    }

    /** One JSON object per line: {@code time}, {@code level}, {@code logger}, {@code message}, {@code error}. */
    static final class JsonFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            JsonObject line = new JsonObject()
                    .put("time", Instant.ofEpochMilli(record.getMillis()).toString())
                    .put("level", levelName(record.getLevel()))
                    .put("logger", record.getLoggerName())
                    .put("message", formatMessage(record));
            if (record.getThrown() != null) {
                line.put("error", stackTrace(record.getThrown()));
            }
            return line.encode() + System.lineSeparator();
        }
    }
}

package io.snipool.core.testbed;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Every record logged to one {@code java.util.logging} logger (and the loggers below it) while open, from any
 * thread. Use with try-with-resources: closing detaches it.
 */
public final class CapturedLogs extends Handler implements AutoCloseable {

    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private CapturedLogs(Logger logger) {
        this.logger = logger;
    }

    /** Starts capturing what {@code loggerName} and its children log. */
    public static CapturedLogs of(String loggerName) {
        CapturedLogs captured = new CapturedLogs(Logger.getLogger(loggerName));
        captured.logger.addHandler(captured);
        return captured;
    }

    /** The records so far, in the order they were logged. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}

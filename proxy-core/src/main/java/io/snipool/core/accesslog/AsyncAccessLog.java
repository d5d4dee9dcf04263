package io.snipool.core.accesslog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Writes access records as lines of text ({@link AccessLineFormat}) from a dedicated thread, so event loops only
 * enqueue. The queue is bounded: when the disk (or whatever reads standard output) cannot keep up, records are
 * dropped and counted in {@code snipool_access_log_dropped_total} rather than letting memory grow or an event loop
 * wait.
 */
public final class AsyncAccessLog implements AccessLog {

    /** Records waiting to be written before new ones are dropped. */
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    public static final String DROPPED = "snipool.access.log.dropped";
    public static final String WRITTEN = "snipool.access.log.lines";

    private static final Logger LOG = Logger.getLogger(AsyncAccessLog.class.getName());
    private static final AccessRecord STOP = marker();
    /** Wakes the writer to reopen at once, rather than with the next line. */
    private static final AccessRecord REOPEN = marker();

    private final Path file;
    private final PrintStream stdout;
    private final AccessLineFormat format;
    private final BlockingQueue<AccessRecord> queue;
    private final Counter dropped;
    private final Counter written;
    private final Thread writer;
    private volatile boolean reopenRequested;
    private Writer out;

    /**
     * @param file   the log file, or null for {@code stdout}
     * @param stdout standard output (a test may pass its own stream)
     * @param format what a line holds, written on the writer thread so that event loops never format
     */
    public AsyncAccessLog(Path file, PrintStream stdout, AccessLineFormat format, int queueCapacity,
                          MeterRegistry registry) throws IOException {
        this.file = file;
        this.stdout = stdout;
        this.format = format;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.dropped = Counter.builder(DROPPED).description("Access log lines dropped because writing fell behind")
                .register(registry);
        this.written = Counter.builder(WRITTEN).description("Access log lines written").register(registry);
        this.out = open();
        this.writer = new Thread(this::run, "snipool-access-log");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    @Override
    public void log(AccessRecord record) {
        if (!queue.offer(record)) {
            dropped.increment();
        }
    }

    @Override
    public void reopen() {
        reopenRequested = true;
        queue.offer(REOPEN); // if the queue is full the flag alone does it, with the next batch
    }

    @Override
    public void close() {
        try {
            queue.put(STOP);
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A record that is no line, told apart from every other by its identity. */
    private static AccessRecord marker() {
        return AccessRecord.tunnel(null, null, null, null, null, null, null, 0, 0, 0, 0);
    }

    private Writer open() throws IOException {
        if (file == null) {
            return new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
        }
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    private void run() {
        List<AccessRecord> batch = new ArrayList<>(256);
        try {
            while (true) {
                AccessRecord first = queue.take();
                batch.add(first);
                queue.drainTo(batch, 1023);
                if (reopenRequested) {
                    reopenRequested = false;
                    reopenNow();
                }
                for (AccessRecord record : batch) {
                    if (record == REOPEN) {
                        continue;
                    }
                    if (record == STOP) {
                        out.flush();
                        if (file != null) {
                            out.close();
                        }
                        return;
                    }
                    out.write(format.line(record));
                    out.write('\n');
                    written.increment();
                }
                batch.clear();
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.severe("access log: writing failed, no further lines will be written: " + e);
        }
    }

    private void reopenNow() throws IOException {
        if (file == null) {
            return;
        }
        out.flush();
        out.close();
        out = open();
        LOG.info("access log reopened: " + file);
    }
}

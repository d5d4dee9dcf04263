package io.snipool.app;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * {@code reload.watch}: reloads when the configuration file, or a certificate, key or CA file it names, changes,
 * once the files have been quiet for the configured delay (editors and deploy tools write in several steps).
 *
 * <p>It watches the directories, not the files, and on any event there compares what each watched file resolves to
 * (device and inode through any symbolic links, modification time, size) with what it was. That sees an edit in
 * place, a file replaced by a rename, and a Kubernetes ConfigMap or Secret mounted as a directory, whose files are
 * links through {@code ..data}: the kubelet swaps that one link atomically, and no event ever names the file itself.
 * The set of files is asked for again after every reload and every event, so files a reload added are watched from
 * then on. Runs on its own daemon threads.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ConfigWatcher.class.getName());
    private static final long TIMESTAMP_MARGIN_MILLIS = 100;

    /** What a path resolves to now; null attributes when it does not exist (or cannot be read). */
    private record Seen(Object fileKey, FileTime modified, long size) {

        static Seen of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return new Seen(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size());
            } catch (IOException e) {
                return new Seen(null, null, -1);
            }
        }
    }

    private final WatchService watcher;
    private final Supplier<Set<Path>> files;
    private final Duration quietFor;
    private final Runnable reload;
    private final ScheduledExecutorService debounce;
    private final Map<Path, Seen> seen = new HashMap<>();
    private final Set<Path> directories = new HashSet<>();
    private ScheduledFuture<?> pending;

    private ConfigWatcher(WatchService watcher, Supplier<Set<Path>> files, Duration quietFor, Runnable reload) {
        this.watcher = watcher;
        this.files = files;
        this.quietFor = quietFor;
        this.reload = reload;
        this.debounce = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "snipool-config-reload");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Watches {@code files} (asked for again after every change) and runs {@code reload} after each quiet burst,
     * until closed; empty when the system cannot watch files (said in the log).
     */
    static Optional<ConfigWatcher> start(Supplier<Set<Path>> files, Duration quietFor, Runnable reload) {
        WatchService service;
        try {
            service = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            LOG.warning("cannot watch the configuration for changes: " + e.getMessage());
            return Optional.empty();
        }
        ConfigWatcher watcher = new ConfigWatcher(service, files, quietFor, reload);
        Set<Path> watched = watcher.refresh();
        Thread loop = new Thread(watcher::run, "snipool-config-watch");
        loop.setDaemon(true);
        loop.start();
        LOG.info("watching " + watched.size() + " files for changes: " + watched);
        return Optional.of(watcher);
    }

    /** Stops watching; a reload already due is dropped. */
    @Override
    public void close() throws IOException {
        debounce.shutdownNow();
        watcher.close();
    }

    private void run() {
        while (true) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            key.pollEvents();
            key.reset();
            if (changed(refresh())) {
                scheduleReload();
            }
        }
    }

    /** The reload, once the files have been quiet for the delay (a later call pushes it back). */
    private synchronized void scheduleReload() {
        if (pending != null) {
            pending.cancel(false);
        }
        pending = debounce.schedule(this::reloadAndRefresh, quietFor.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A reload may name other files (a certificate in a new directory): they are watched from now on. One of them
     * modified since the reload began may have changed after the reload read it, before it was watched: it gets a
     * reload of its own. The margin covers file systems' timestamps, which lag the clock by a tick.
     */
    private void reloadAndRefresh() {
        FileTime began = FileTime.fromMillis(System.currentTimeMillis() - TIMESTAMP_MARGIN_MILLIS);
        reload.run();
        if (refreshAddsAFileModifiedSince(began)) {
            scheduleReload();
        }
    }

    /** {@link #refresh}, and whether a file it adds to the set was modified at {@code since} or later. */
    private synchronized boolean refreshAddsAFileModifiedSince(FileTime since) {
        Set<Path> known = new HashSet<>(seen.keySet());
        boolean modified = false;
        for (Path file : refresh()) {
            FileTime time = seen.get(file).modified();
            modified |= !known.contains(file) && time != null && time.compareTo(since) >= 0;
        }
        return modified;
    }

    /** The current set of files, with their directories watched; files new to the set are taken as they are. */
    private synchronized Set<Path> refresh() {
        Set<Path> current = files.get();
        for (Path file : current) {
            Path directory = file.getParent();
            if (directories.add(directory)) {
                try {
                    directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
                } catch (IOException e) {
                    LOG.warning("cannot watch " + directory + " for changes: " + e.getMessage());
                }
            }
            seen.computeIfAbsent(file, Seen::of);
        }
        seen.keySet().retainAll(current);
        return current;
    }

    /** Whether any of {@code current} resolves to something else than when last looked at; remembers the new. */
    private synchronized boolean changed(Set<Path> current) {
        boolean changed = false;
        for (Path file : current) {
            Seen now = Seen.of(file);
            changed |= !now.equals(seen.put(file, now));
        }
        return changed;
    }
}

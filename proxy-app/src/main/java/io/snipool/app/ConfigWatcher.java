package io.snipool.app;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * {@code reload.watch}: reloads when the configuration file changes, once it has been quiet for the configured
 * delay (editors and deploy tools write a file in several steps, or replace it by a rename). Watches the
 * directory, so a file replaced by rename is still seen. Runs on its own daemon threads.
 */
final class ConfigWatcher {

    private static final Logger LOG = Logger.getLogger(ConfigWatcher.class.getName());

    private ConfigWatcher() {
    }

    static void start(Path file, Duration quietFor, Runnable reload) {
        Path absolute = file.toAbsolutePath();
        Path directory = absolute.getParent();
        Path name = absolute.getFileName();
        WatchService watcher;
        try {
            watcher = FileSystems.getDefault().newWatchService();
            directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            LOG.warning("cannot watch " + absolute + " for changes: " + e.getMessage());
            return;
        }
        ScheduledExecutorService debounce = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "snipool-config-reload");
            thread.setDaemon(true);
            return thread;
        });
        Thread loop = new Thread(() -> watch(watcher, name, quietFor, reload, debounce), "snipool-config-watch");
        loop.setDaemon(true);
        loop.start();
        LOG.info("watching " + absolute + " for changes");
    }

    private static void watch(WatchService watcher, Path name, Duration quietFor, Runnable reload,
                              ScheduledExecutorService debounce) {
        ScheduledFuture<?> pending = null;
        while (true) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (InterruptedException e) {
                return;
            }
            boolean ours = false;
            for (WatchEvent<?> event : key.pollEvents()) {
                ours |= name.equals(event.context());
            }
            key.reset();
            if (ours) {
                if (pending != null) {
                    pending.cancel(false);
                }
                pending = debounce.schedule(reload, quietFor.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }
}

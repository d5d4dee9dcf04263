package io.snipool.config;

import java.time.Duration;

/**
 * Hot reload. SIGHUP and {@code POST /api/reload} always work; with {@code watch} the file is also watched and
 * reloaded when it changes, once it has been quiet for {@code watchDelay} (editors write files in several steps).
 */
public record ReloadConfig(boolean watch, Duration watchDelay) {

    public static final Duration DEFAULT_WATCH_DELAY = Duration.ofMillis(500);

    public static ReloadConfig defaults() {
        return new ReloadConfig(false, DEFAULT_WATCH_DELAY);
    }
}

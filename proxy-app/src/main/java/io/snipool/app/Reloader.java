package io.snipool.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.snipool.app.status.ConfigHistory;
import io.snipool.config.ConfigLoader;
import io.snipool.config.ConfigProblem;
import io.snipool.config.InvalidConfigException;
import io.snipool.config.ProxyConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Reloads the configuration file into the running process, from SIGHUP, {@code POST /api/reload} or the file
 * watcher. An invalid file changes nothing: every problem is reported (log, metric, API answer). One reload at a
 * time; callers block, so never call from an event loop.
 */
public final class Reloader {

    public static final String RELOADS = "snipool.config.reloads";
    public static final String LAST_SUCCESS = "snipool.config.last.reload.success.timestamp";
    /** How long applying a valid configuration may take (binding new listeners). */
    static final Duration APPLY_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = Logger.getLogger(Reloader.class.getName());

    /** What a reload came to: {@code applied}, or every reason it was not. */
    public record Outcome(boolean applied, List<String> problems) {
    }

    private final Snipool snipool;
    private final Path file;
    private final Function<String, String> environment;
    private final Counter succeeded;
    private final Counter failed;
    private final ConfigHistory history;

    /** @param history where each attempt is recorded, and whose load time the last-success gauge reads */
    public Reloader(Snipool snipool, Path file, Function<String, String> environment, MeterRegistry registry,
                    ConfigHistory history) {
        this.snipool = snipool;
        this.file = file;
        this.environment = environment;
        this.history = history;
        this.succeeded = Counter.builder(RELOADS).description("Configuration reloads by result")
                .tag("result", "success").register(registry);
        this.failed = Counter.builder(RELOADS).description("Configuration reloads by result")
                .tag("result", "failure").register(registry);
        Gauge.builder(LAST_SUCCESS, history, loads -> loads.loadedAt().getEpochSecond()).baseUnit("seconds")
                .description("When the configuration was last loaded successfully (start or reload), Unix time")
                .register(registry);
    }

    /** The configuration file this reloader reads. */
    public Path file() {
        return file;
    }

    public synchronized Outcome reload() {
        LOG.info("reloading " + file);
        ProxyConfig next;
        try {
            next = new ConfigLoader(environment).load(file);
        } catch (IOException e) {
            return fail(List.of("cannot read " + file + ": " + e.getMessage()));
        } catch (InvalidConfigException e) {
            return fail(e.problems().stream().map(ConfigProblem::toString).toList());
        }
        ConfigWarnings.log(file, next);
        try {
            snipool.reload(next, APPLY_TIMEOUT);
        } catch (StartupException e) {
            return fail(List.of(e.getMessage()));
        }
        succeeded.increment();
        history.reloaded(new ConfigHistory.Reload(Instant.now(), true, List.of()));
        LOG.info("reloaded " + file);
        return new Outcome(true, List.of());
    }

    private Outcome fail(List<String> problems) {
        failed.increment();
        history.reloaded(new ConfigHistory.Reload(Instant.now(), false, problems));
        LOG.warning("reload of " + file + " refused; still running the previous configuration: "
                + String.join("; ", problems));
        return new Outcome(false, problems);
    }
}

package io.snipool.app;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import java.util.logging.Level;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The signals an operator sends: SIGTERM or SIGINT drain and exit 0 (a second one exits at once), SIGHUP reloads
 * the configuration, SIGUSR1 reopens the access log file. Handlers run on their own thread, never on an event
 * loop, and the slow ones (drain, reload) on a fresh thread so a second signal is still heard.
 *
 * <p>The JVM cannot take over SIGHUP, SIGINT or SIGTERM when the process that started it ignored them ({@code nohup}
 * ignores SIGHUP, a script's background job SIGINT): the handler is accepted and never called. That is logged, once
 * per signal, at start; {@code bin/snipool} restores SIGHUP and SIGTERM before it starts the JVM.
 */
final class Signals {

    private static final Logger LOG = Logger.getLogger(Signals.class.getName());

    private final AtomicBoolean draining = new AtomicBoolean();

    void install(Snipool snipool, Reloader reloader, Runnable reopenAccessLog) {
        handle("TERM", signal -> stop(snipool, signal), Level.WARNING, "it will not drain and stop snipool");
        handle("INT", signal -> stop(snipool, signal), Level.INFO, "SIGTERM drains and stops snipool");
        handle("HUP", signal -> new Thread(reloader::reload, "snipool-reload").start(), Level.WARNING,
                "it will not reload the configuration (POST /api/reload on the admin server does)");
        Signal.handle(new Signal("USR1"), signal -> reopenAccessLog.run()); // the JVM takes it over even if ignored
    }

    private static void handle(String name, SignalHandler handler, Level ignoredLevel, String consequence) {
        if (Signal.handle(new Signal(name), handler) == SignalHandler.SIG_IGN) {
            LOG.log(ignoredLevel, () -> "SIG" + name + " was ignored by the process that started snipool (nohup, or"
                    + " a background job of a script) and stays ignored: " + consequence);
        }
    }

    private void stop(Snipool snipool, Signal signal) {
        if (!draining.compareAndSet(false, true)) {
            LOG.warning("second SIG" + signal.getName() + ": exiting now");
            Runtime.getRuntime().halt(1);
        }
        LOG.info("SIG" + signal.getName() + ": draining (send it again to exit at once)");
        Thread drain = new Thread(() -> {
            snipool.drain();
            System.exit(0);
        }, "snipool-drain");
        drain.start();
    }
}

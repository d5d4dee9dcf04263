package io.snipool.app;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import sun.misc.Signal;

/**
 * The signals an operator sends: SIGTERM or SIGINT drain and exit 0 (a second one exits at once), SIGHUP reloads
 * the configuration, SIGUSR1 reopens the access log file. Handlers run on their own thread, never on an event
 * loop, and the slow ones (drain, reload) on a fresh thread so a second signal is still heard.
 */
final class Signals {

    private static final Logger LOG = Logger.getLogger(Signals.class.getName());

    private final AtomicBoolean draining = new AtomicBoolean();

    void install(Snipool snipool, Reloader reloader, Runnable reopenAccessLog) {
        Signal.handle(new Signal("TERM"), signal -> stop(snipool, signal));
        Signal.handle(new Signal("INT"), signal -> stop(snipool, signal));
        Signal.handle(new Signal("HUP"), signal -> new Thread(reloader::reload, "snipool-reload").start());
        Signal.handle(new Signal("USR1"), signal -> reopenAccessLog.run());
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

package io.snipool.app;

import java.util.Optional;

/** {@code java -jar snipool.jar}: runs the command line and keeps the process alive while snipool serves. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        JvmDefaults.apply(System.getProperties());
        // SIGTERM/SIGINT drain and exit, SIGHUP reloads (Signals): installed before /readyz turns 200, so that
        // anyone who waits for ready may signal.
        Cli.Outcome outcome = new Cli(System.out, System.err, System::getenv,
                started -> new Signals().install(started, started.reloader(), started::reopenAccessLog)).run(args);
        if (outcome instanceof Cli.Exit exit) {
            System.exit(exit.code());
        }
        // Vert.x's event-loop threads keep the JVM alive.
        Snipool snipool = ((Cli.Running) outcome).snipool();
        if (snipool.config().reload().watch()) {
            watch(snipool);
        }
    }

    /** {@code reload.watch}: the configuration file and the certificate files it names, as loaded last. */
    static Optional<ConfigWatcher> watch(Snipool snipool) {
        Reloader reloader = snipool.reloader();
        return ConfigWatcher.start(() -> ConfigFiles.of(reloader.file(), snipool.config()),
                snipool.config().reload().watchDelay(), reloader::reload);
    }
}

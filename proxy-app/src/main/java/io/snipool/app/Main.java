package io.snipool.app;

import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/** {@code java -jar snipool.jar}: runs the command line and keeps the process alive while snipool serves. */
public final class Main {

    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        Cli.Outcome outcome = new Cli(System.out, System.err, System::getenv).run(args);
        if (outcome instanceof Cli.Exit exit) {
            System.exit(exit.code());
        }
        Snipool snipool = ((Cli.Running) outcome).snipool();
        // Vert.x's event-loop threads keep the JVM alive; the hook closes them on SIGTERM/SIGINT.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            try {
                snipool.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warning("stop did not complete cleanly: " + e);
            }
        }, "snipool-shutdown"));
    }
}

package io.snipool.app;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How tests start a child process with given signal dispositions, whatever the test JVM inherited: a test run
 * started under {@code nohup} ignores SIGHUP, and a child inherits that, so a test of SIGHUP would fail for a reason
 * of the run's, not of snipool's. Uses coreutils' {@code env --default-signal} (8.31 and later) and bash's
 * {@code trap}.
 */
final class SignalDispositions {

    /** {@code env --default-signal=...} where this machine's env has it, else nothing. */
    private static final List<String> DEFAULTS = probe();

    private SignalDispositions() {
    }

    /** {@code command} with SIGHUP, SIGINT and SIGTERM at their defaults. */
    static List<String> atDefaults(List<String> command) {
        List<String> all = new ArrayList<>(DEFAULTS);
        all.addAll(command);
        return all;
    }

    /**
     * {@code command} with the signals {@code ignored} (names: HUP, TERM) ignored, as nohup or a script leaves them,
     * and the others at their defaults; none ignored: {@link #atDefaults}.
     */
    static List<String> ignoring(List<String> ignored, List<String> command) {
        if (ignored.isEmpty()) {
            return atDefaults(command);
        }
        List<String> all = new ArrayList<>(List.of("bash", "-c", "trap '' " + String.join(" ", ignored)
                + "; exec \"$@\"", "bash"));
        all.addAll(command);
        return atDefaults(all);
    }

    private static List<String> probe() {
        List<String> env = List.of("env", "--default-signal=HUP,INT,TERM");
        try {
            List<String> check = new ArrayList<>(env);
            check.add("true");
            return new ProcessBuilder(check).start().waitFor() == 0 ? env : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}

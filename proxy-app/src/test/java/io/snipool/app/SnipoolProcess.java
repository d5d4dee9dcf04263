package io.snipool.app;

import io.snipool.core.testbed.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * snipool as a real child process (the test JVM's class path, {@link Main}), for what only a process shows: signals
 * and exit codes. The ports it bound are read from its log. Stopped by its PID in {@link #close()}.
 */
final class SnipoolProcess implements AutoCloseable {

    private static final Pattern LISTENER = Pattern.compile("listener (\\S+) \\(\\w+\\) bound [^ ]+:(\\d+)");
    private static final Pattern ADMIN = Pattern.compile("admin server bound [^ ]+:(\\d+)");

    private final Process process;
    private final Path log;

    /** Started with SIGHUP, SIGINT and SIGTERM at their defaults, whatever this JVM inherited. */
    SnipoolProcess(Path config, Path log) throws IOException {
        this(config, log, List.of());
    }

    /** Started with the signals {@code ignored} (HUP, TERM) ignored, as {@code nohup} or a script leaves them. */
    SnipoolProcess(Path config, Path log, List<String> ignored) throws IOException {
        this.log = log;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--config", config.toString());
        process = new ProcessBuilder(SignalDispositions.ignoring(ignored, command))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** The port the named listener bound, once the process has logged it. */
    int listenerPort(String name) throws InterruptedException {
        return boundPort("listener " + name + " is bound", log -> {
            Matcher matcher = LISTENER.matcher(log);
            while (matcher.find()) {
                if (matcher.group(1).equals(name)) {
                    return OptionalInt.of(Integer.parseInt(matcher.group(2)));
                }
            }
            return OptionalInt.empty();
        });
    }

    int adminPort() throws InterruptedException {
        return boundPort("the admin server is bound", log -> {
            Matcher matcher = ADMIN.matcher(log);
            return matcher.find() ? OptionalInt.of(Integer.parseInt(matcher.group(1))) : OptionalInt.empty();
        });
    }

    /** Reads the log until {@code portIn} finds a port in it, or the process has exited. */
    private int boundPort(String expected, Function<String, OptionalInt> portIn) throws InterruptedException {
        record Seen(OptionalInt port, boolean alive, String log) {
        }
        // The log is read before asking whether the process lives: one that logged its port and then exited still
        // counts as bound.
        Seen seen = Await.until(Await.SLOW_TIMEOUT, expected, () -> {
            String log = log();
            return new Seen(portIn.apply(log), process.isAlive(), log);
        }, bound -> bound.port().isPresent() || !bound.alive());
        if (seen.port().isEmpty()) {
            throw new AssertionError("snipool exited: " + log());
        }
        return seen.port().getAsInt();
    }

    /** Sends a signal by name (TERM, HUP, USR1) to this process only. */
    void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " failed");
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}

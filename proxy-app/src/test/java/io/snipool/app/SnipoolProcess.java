package io.snipool.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    SnipoolProcess(Path config, Path log) throws IOException {
        this.log = log;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--config", config.toString())
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
        int[] port = {0};
        Poll.until(() -> {
            Matcher matcher = LISTENER.matcher(log());
            while (matcher.find()) {
                if (matcher.group(1).equals(name)) {
                    port[0] = Integer.parseInt(matcher.group(2));
                    return true;
                }
            }
            return !process.isAlive();
        }, "listener " + name + " is bound");
        if (port[0] == 0) {
            throw new AssertionError("snipool exited: " + log());
        }
        return port[0];
    }

    int adminPort() throws InterruptedException {
        int[] port = {0};
        Poll.until(() -> {
            Matcher matcher = ADMIN.matcher(log());
            if (matcher.find()) {
                port[0] = Integer.parseInt(matcher.group(1));
                return true;
            }
            return !process.isAlive();
        }, "the admin server is bound");
        if (port[0] == 0) {
            throw new AssertionError("snipool exited: " + log());
        }
        return port[0];
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

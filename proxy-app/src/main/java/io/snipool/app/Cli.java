package io.snipool.app;

import io.snipool.app.migrate.MigrationException;
import io.snipool.app.migrate.SourceFormat;
import io.snipool.config.ConfigLoader;
import io.snipool.config.ConfigProblem;
import io.snipool.config.InvalidConfigException;
import io.snipool.config.ProxyConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The command line: {@code [--config FILE] [--check] [--version] [--help]}, or {@code migrate --from FORMAT FILE}
 * (see {@link SourceFormat}). Separated from {@link Main} so tests
 * can run it and read its exit code and output without a new JVM.
 */
public final class Cli {

    /** Valid configuration, or a clean exit. */
    public static final int EXIT_OK = 0;
    /** Start-up failed: file unreadable, port in use, bad address. */
    public static final int EXIT_STARTUP_FAILED = 1;
    /** The configuration is invalid, or the command line is. */
    public static final int EXIT_INVALID = 2;

    static final String DEFAULT_CONFIG = "config.yaml";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    static final String USAGE = """
            Usage: java -jar snipool.jar [--config FILE] [--check] [--version] [--help]
                   java -jar snipool.jar migrate --from sniproxy|sniproxy-rs FILE

              --config FILE  configuration file (default: config.yaml in the working directory)
              --check        validate the configuration, print every problem, and exit:
                             0 if valid, 2 if not; binds nothing
              --version      print the version and exit
              --help         print this help and exit
              migrate --from sniproxy|sniproxy-rs FILE
                             print FILE, a sniproxy.conf (sniproxy) or SNIProxy-rs YAML configuration,
                             as snipool YAML on standard output, with a comment at each setting that
                             does not map; 0 printed, 1 FILE unreadable or unparseable

            Exit codes: 0 success, 1 start-up failure (unreadable file, port in use, bad address),
            2 invalid configuration or command line.
            Documentation: docs/ in the source tree (configuration.md, operations.md, metrics.md,
            migration.md).
            """;

    /** What a run of the command line ended in. */
    public sealed interface Outcome {
    }

    /** The process should exit with {@code code}. */
    public record Exit(int code) implements Outcome {
    }

    /** snipool is serving; the process lives until it is stopped. */
    public record Running(Snipool snipool) implements Outcome {
    }

    private final PrintStream out;
    private final PrintStream err;
    private final Function<String, String> environment;
    private final Consumer<Snipool> beforeReady;

    public Cli(PrintStream out, PrintStream err, Function<String, String> environment) {
        this(out, err, environment, started -> {
        });
    }

    /** @param beforeReady run on a started snipool before it reports ready (see {@link Snipool#start}) */
    public Cli(PrintStream out, PrintStream err, Function<String, String> environment,
               Consumer<Snipool> beforeReady) {
        this.out = out;
        this.err = err;
        this.environment = environment;
        this.beforeReady = beforeReady;
    }

    public Outcome run(String... args) {
        if (args.length > 0 && args[0].equals("migrate")) {
            return migrate(Arrays.copyOfRange(args, 1, args.length));
        }
        Path configFile = Path.of(DEFAULT_CONFIG);
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return new Exit(EXIT_OK);
                }
                case "--version" -> {
                    out.println("snipool " + Version.current());
                    return new Exit(EXIT_OK);
                }
                case "--check" -> check = true;
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        return usageError("--config needs a file name");
                    }
                    configFile = Path.of(args[++i]);
                }
                default -> {
                    if (arg.startsWith("--config=")) {
                        configFile = Path.of(arg.substring("--config=".length()));
                    } else {
                        return usageError("unknown argument '" + arg + "'");
                    }
                }
            }
        }

        ProxyConfig config;
        try {
            config = new ConfigLoader(environment).load(configFile);
        } catch (IOException e) {
            return cannotRead("config file", configFile, e);
        } catch (InvalidConfigException e) {
            err.println(configFile + ": " + e.problems().size() + (e.problems().size() == 1 ? " problem" : " problems"));
            for (ConfigProblem problem : e.problems()) {
                err.println("  " + problem);
            }
            return new Exit(EXIT_INVALID);
        }
        if (check) {
            int routes = config.listeners().stream().mapToInt(l -> l.routes().size()).sum();
            out.println(configFile + ": valid (" + config.listeners().size() + " listeners, " + routes + " routes)");
            int warnings = config.warnings().size();
            if (warnings > 0) {
                err.println(configFile + ": " + warnings + (warnings == 1 ? " warning" : " warnings"));
                for (ConfigProblem warning : config.warnings()) {
                    err.println("  " + warning);
                }
            }
            return new Exit(EXIT_OK);
        }

        LogSetup.apply(config.logging());
        ConfigWarnings.log(configFile, config);
        try {
            return new Running(Snipool.start(config, configFile, environment, START_TIMEOUT, beforeReady));
        } catch (StartupException e) {
            err.println("snipool: " + e.getMessage());
            return new Exit(EXIT_STARTUP_FAILED);
        }
    }

    /** {@code migrate --from FORMAT FILE}: the snipool YAML on standard output. */
    private Outcome migrate(String... args) {
        String from = null;
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--from") && i + 1 < args.length) {
                from = args[++i];
            } else if (arg.startsWith("--from=")) {
                from = arg.substring("--from=".length());
            } else if (arg.startsWith("-") || file != null) {
                return usageError("migrate: unexpected argument '" + arg + "'");
            } else {
                file = Path.of(arg);
            }
        }
        if (from == null || file == null) {
            return usageError("migrate needs --from " + String.join("|", SourceFormat.names()) + " and a file");
        }
        Optional<SourceFormat> format = SourceFormat.named(from);
        if (format.isEmpty()) {
            return usageError("migrate: --from must be one of " + String.join(", ", SourceFormat.names())
                    + ", got '" + from + "'");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return cannotRead(format.get().formatName() + " file", file, e);
        }
        try {
            out.print(format.get().migrate(text, file.toString()));
            return new Exit(EXIT_OK);
        } catch (MigrationException e) {
            err.println("snipool: " + file + ": " + e.getMessage());
            return new Exit(EXIT_STARTUP_FAILED);
        }
    }

    private Outcome cannotRead(String what, Path file, IOException e) {
        String reason = e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
        err.println("snipool: cannot read " + what + " '" + file + "': " + reason);
        return new Exit(EXIT_STARTUP_FAILED);
    }

    private Outcome usageError(String message) {
        err.println("snipool: " + message);
        err.print(USAGE);
        return new Exit(EXIT_INVALID);
    }
}

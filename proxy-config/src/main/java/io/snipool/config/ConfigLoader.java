package io.snipool.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Loads and validates a configuration file. Either returns a complete {@link ProxyConfig} or throws
 * {@link InvalidConfigException} listing every problem, each with its key path, line and column.
 */
public final class ConfigLoader {

    /** Larger files are refused before parsing: a configuration is not a data set. */
    public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;
    /** Guards against "billion laughs" alias expansion. */
    private static final int MAX_ALIASES = 100;

    private final Function<String, String> environment;

    /** A loader that expands {@code ${env:NAME}} from {@code environment} (a test may pass a map's getter). */
    public ConfigLoader(Function<String, String> environment) {
        this.environment = environment;
    }

    /** A loader reading the process environment. */
    public static ConfigLoader withSystemEnvironment() {
        return new ConfigLoader(System::getenv);
    }

    /**
     * Reads and validates {@code file}.
     *
     * @throws IOException if the file cannot be read
     */
    public ProxyConfig load(Path file) throws IOException, InvalidConfigException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new InvalidConfigException(file.toString(), List.of(new ConfigProblem("", 0, 0,
                    "file is " + size + " bytes; the limit is " + Units.formatSize(MAX_FILE_BYTES))));
        }
        Path directory = file.toAbsolutePath().getParent();
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString(), directory);
    }

    /**
     * Where a file the configuration names is: {@code configured} as written if absolute, else against
     * {@code baseDirectory}, the configuration file's directory. The one rule for certificates, keys, CA and ticket
     * key files, for the loader and for whoever watches those files.
     */
    public static Path resolve(Path baseDirectory, String configured) {
        return baseDirectory.toAbsolutePath().resolve(configured).normalize();
    }

    /**
     * Validates YAML text; {@code source} names it in messages. Relative certificate and key paths resolve
     * against the current directory, as there is no file to be relative to.
     */
    public ProxyConfig parse(String yaml, String source) throws InvalidConfigException {
        return parse(yaml, source, Path.of(""));
    }

    /**
     * Validates YAML text whose relative certificate and key paths resolve against {@code baseDirectory} (the
     * directory of the file it came from); {@code source} names it in messages.
     */
    public ProxyConfig parse(String yaml, String source, Path baseDirectory) throws InvalidConfigException {
        Problems problems = new Problems();
        Optional<Node> root;
        try {
            LoadSettings settings = LoadSettings.builder()
                    .setLabel(source)
                    .setMaxAliasesForCollections(MAX_ALIASES)
                    .setCodePointLimit(MAX_FILE_BYTES)
                    // The YAML 1.2 core schema: "~", "null" and an empty value all mean "not set".
                    .setSchema(new CoreSchema())
                    .build();
            root = new Compose(settings).composeString(yaml);
        } catch (MarkedYamlEngineException e) {
            Mark mark = e.getProblemMark().orElse(null);
            problems.add(new ConfigProblem("", mark == null ? 0 : mark.getLine() + 1,
                    mark == null ? 0 : mark.getColumn() + 1, "YAML syntax: " + e.getProblem()));
            throw new InvalidConfigException(source, problems.inFileOrder());
        } catch (YamlEngineException e) {
            problems.add(new ConfigProblem("", 0, 0, "YAML syntax: " + e.getMessage()));
            throw new InvalidConfigException(source, problems.inFileOrder());
        }
        if (root.isEmpty()) {
            throw new InvalidConfigException(source, List.of(new ConfigProblem("", 0, 0,
                    "the file is empty; at least one listener is required")));
        }
        Problems warnings = new Problems();
        TlsConfigReader tls = new TlsConfigReader(problems, warnings, new PemFiles(baseDirectory), Instant.now());
        ProxyConfig config = new ConfigReader(problems, warnings, new EnvSubstitution(environment), tls)
                .read(root.get());
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(source, problems.inFileOrder());
        }
        return config;
    }
}

package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/snipool}: the JVM flag it adds, the operator's flags after it, and its refusal of a missing jar. */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "bin", "snipool").toAbsolutePath().normalize();

    /** What the launcher printed or ran, and its exit code. */
    private record Run(int exitCode, String output) {
        List<String> words() {
            return List.of(output.strip().split(" "));
        }
    }

    private static Run launch(Map<String, String> environment, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("JAVA_OPTS");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the launcher ends").isTrue();
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    @Test
    void runsTheJarWithExitOnOutOfMemoryThenTheOperatorsFlagsThenTheArguments(@TempDir Path dir) throws Exception {
        Path jar = Files.createFile(dir.resolve("snipool.jar"));
        Run run = launch(Map.of("SNIPOOL_JAR", jar.toString(), "SNIPOOL_PRINT_COMMAND", "1",
                "JAVA_OPTS", "-Xmx64m -XX:+UseSerialGC"), "--config", "x.yaml");
        assertThat(run.exitCode()).isZero();
        assertThat(run.words()).containsExactly(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+ExitOnOutOfMemoryError", "-Xmx64m", "-XX:+UseSerialGC", "-jar", jar.toString(), "--config",
                "x.yaml");

        Run plain = launch(Map.of("SNIPOOL_JAR", jar.toString(), "SNIPOOL_PRINT_COMMAND", "1"), "--check");
        assertThat(plain.words()).endsWith("-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString(), "--check");
    }

    @Test
    void theJvmAcceptsTheFlagsWithAndWithoutTheOperatorsOwn(@TempDir Path dir) throws Exception {
        // A jar without a main class: the JVM starts with the flags, then says so; a flag it refused would stop it
        // earlier with another message ("Unrecognized VM option", "Multiple garbage collectors selected").
        Path jar = dir.resolve("empty.jar");
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new java.util.zip.ZipEntry("empty.txt"));
        }
        for (String opts : List.of("", "-XX:+UseG1GC", "-XX:+UseSerialGC -Xmx32m")) {
            Run run = launch(Map.of("SNIPOOL_JAR", jar.toString(), "JAVA_OPTS", opts));
            assertThat(run.output()).as("JAVA_OPTS=%s", opts).contains("no main manifest attribute");
        }
    }

    @Test
    void aMissingJarIsNamedWithHowToBuildIt(@TempDir Path dir) throws Exception {
        Run run = launch(Map.of("SNIPOOL_JAR", dir.resolve("nothing.jar").toString()));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output()).contains("no jar at " + dir.resolve("nothing.jar"))
                .contains("./mvnw -q -DskipTests package");
    }
}

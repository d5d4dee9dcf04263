package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/snipool}: the JVM flag it adds, the operator's flags after it, its refusal of a missing jar, and the
 * class-data archive it makes on a jar's first start and uses on the next. Runs after packaging (proxy-app's pom):
 * the archive's tests start the packaged jar for real.
 */
class LauncherTest {

    private static final Path LAUNCHER = Path.of("..", "bin", "snipool").toAbsolutePath().normalize();
    private static final Path PACKAGED_JAR = Path.of("target", "snipool.jar").toAbsolutePath();
    /** Training, then a start: the training run alone takes seconds on a busy machine. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final String BOUND = "listener web (http) bound";
    private static final String MAKING = "making the class-data archive";

    /** What the launcher printed or ran, and its exit code. */
    private record Run(int exitCode, String output) {
        List<String> words() {
            return List.of(output.strip().split(" "));
        }
    }

    /** The launcher with SIGHUP, SIGINT and SIGTERM at their defaults (a test run under nohup ignores SIGHUP). */
    private static ProcessBuilder launcher(Map<String, String> environment, String... arguments) {
        return launcher(List.of(), environment, arguments);
    }

    /** The launcher started with the signals {@code ignored} (HUP, TERM) ignored, as nohup or a script leaves them. */
    private static ProcessBuilder launcher(List<String> ignored, Map<String, String> environment,
                                           String... arguments) {
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(SignalDispositions.ignoring(ignored, command))
                .redirectErrorStream(true);
        builder.environment().remove("JAVA_OPTS");
        builder.environment().remove("SNIPOOL_CDS");
        builder.environment().remove("SNIPOOL_CDS_DIR");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(environment);
        return builder;
    }

    private static Run launch(Map<String, String> environment, String... arguments)
            throws IOException, InterruptedException {
        return launch(List.of(), environment, arguments);
    }

    private static Run launch(List<String> ignored, Map<String, String> environment, String... arguments)
            throws IOException, InterruptedException {
        Process process = launcher(ignored, environment, arguments).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("the launcher ends").isTrue();
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /**
     * Starts snipool through the launcher on a configuration of loopback port 0, waits until its HTTP listener is
     * bound, stops it with SIGTERM (the launcher exec'd java, so the PID is snipool's) and returns what it printed.
     */
    private static String serve(Path dir, Map<String, String> environment) throws Exception {
        return serve(dir, List.of(), environment);
    }

    /** {@link #serve(Path, Map)}, the launcher started with the signals {@code ignored} ignored. */
    private static String serve(Path dir, List<String> ignored, Map<String, String> environment) throws Exception {
        Path config = Files.writeString(dir.resolve("config.yaml"), """
                listeners:
                  - name: web
                    bind: 127.0.0.1:0
                    mode: http
                    routes:
                      - hosts: [app.test]
                        backends: ["127.0.0.1:9"]
                metrics: { bind: "127.0.0.1:0" }
                shutdown: { drain_timeout: 0s }
                access_log: { enabled: false }
                logging: { level: info }
                """);
        Path log = dir.resolve("launcher.log");
        Process process = launcher(ignored, environment, "--config", config.toString())
                .redirectOutput(log.toFile()).start();
        try {
            Await.until(START_TIMEOUT, "snipool is bound or exited", () -> read(log),
                    output -> output.contains(BOUND) || !process.isAlive());
            assertThat(read(log)).as("snipool started").contains(BOUND);
        } finally {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("snipool stops on SIGTERM").isTrue();
        }
        return read(log);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static List<Path> archives(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString()
                    .matches("snipool-cds-[0-9a-f]{16}-\\d+\\.(jsa|aot)")).toList();
        }
    }

    @Test
    void runsTheJarWithItsOwnFlagsThenTheOperatorsThenTheArguments(@TempDir Path dir) throws Exception {
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
    void restoresSighupAndSigtermThatWhatStartedItIgnored(@TempDir Path dir) throws Exception {
        Path jar = Files.createFile(dir.resolve("snipool.jar"));
        Map<String, String> print = Map.of("SNIPOOL_JAR", jar.toString(), "SNIPOOL_PRINT_COMMAND", "1");
        assertThat(launch(List.of("HUP"), print, "--check").words()).startsWith("env", "--default-signal=HUP,TERM",
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        assertThat(launch(print, "--check").words()).as("nothing ignored: java itself")
                .startsWith(Path.of(System.getProperty("java.home"), "bin", "java").toString());

        // For real: started with SIGTERM ignored, snipool still stops on the SIGTERM serve() sends.
        assertThat(serve(dir, List.of("HUP", "TERM"), Map.of("SNIPOOL_JAR", PACKAGED_JAR.toString(),
                "SNIPOOL_CDS", "off")))
                .doesNotContain("was ignored by the process that started snipool");
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
            Run run = launch(Map.of("SNIPOOL_JAR", jar.toString(), "JAVA_OPTS", opts, "SNIPOOL_CDS", "off"));
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

    @Test
    void theFirstStartMakesTheArchiveAndTheNextMapsSnipoolsClassesFromIt(@TempDir Path dir) throws Exception {
        Map<String, String> environment = Map.of("SNIPOOL_JAR", PACKAGED_JAR.toString(),
                "SNIPOOL_CDS_DIR", dir.toString());
        assertThat(serve(dir, environment)).contains(MAKING);
        List<Path> made = archives(dir);
        assertThat(made).hasSize(1);

        Path classes = dir.resolve("classes.log");
        Map<String, String> logged = new HashMap<>(environment);
        logged.put("JAVA_OPTS", "-Xlog:class+load=info:file=" + classes);
        assertThat(serve(dir, logged)).doesNotContain(MAKING).doesNotContain("[warning]");
        assertThat(read(classes)).contains("io.snipool.app.Snipool source: shared objects file");
        assertThat(archives(dir)).isEqualTo(made);

        Run printed = launch(Map.of("SNIPOOL_JAR", PACKAGED_JAR.toString(), "SNIPOOL_CDS_DIR", dir.toString(),
                "SNIPOOL_PRINT_COMMAND", "1"));
        assertThat(printed.words()).contains("-XX:SharedArchiveFile=" + made.get(0));
    }

    @Test
    void aCorruptOrTruncatedArchiveDoesNotStopTheStart(@TempDir Path dir) throws Exception {
        Map<String, String> environment = Map.of("SNIPOOL_JAR", PACKAGED_JAR.toString(),
                "SNIPOOL_CDS_DIR", dir.toString(), "SNIPOOL_CDS", "make");
        assertThat(launch(environment).exitCode()).isZero();
        Path archive = archives(dir).get(0);
        long size = Files.size(archive);
        archive.toFile().setWritable(true);

        // The same size, other bytes: the JVM refuses the archive and starts without it, quietly.
        Files.write(archive, new byte[(int) size]);
        Map<String, String> start = Map.of("SNIPOOL_JAR", PACKAGED_JAR.toString(), "SNIPOOL_CDS_DIR", dir.toString());
        String corrupt = serve(dir, start);
        assertThat(corrupt).contains(BOUND).doesNotContain(MAKING).doesNotContain("[warning]").doesNotContain("[error");

        // Cut short (JDK 17 would crash mapping it): the launcher sees the size is wrong and makes it again.
        Files.write(archive, new byte[(int) size / 2]);
        String truncated = serve(dir, start);
        assertThat(truncated).contains(MAKING);
        assertThat(archives(dir)).hasSize(1);
        assertThat(Files.size(archives(dir).get(0))).isGreaterThan(size / 2);
    }

    /** A stand-in for {@code java}: writes the archive a training run is asked for, and records its arguments. */
    private static Path fakeJdk(Path dir, String version) throws IOException {
        Path home = Files.createDirectories(dir.resolve("jdk-" + version));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, """
                #!/usr/bin/env bash
                echo "$*" >> "$(dirname "$0")/calls"
                for arg in "$@"; do
                  case $arg in -XX:ArchiveClassesAtExit=*|-XX:AOTCacheOutput=*) echo archive > "${arg#*=}" ;; esac
                done
                """);
        assertThat(java.toFile().setExecutable(true)).isTrue();
        return home;
    }

    @Test
    void jdk25GetsAnAotCacheAndJdk17ADynamicArchive(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("snipool.jar"), "not run");
        for (String version : List.of("17.0.15", "25.0.3")) {
            Path home = fakeJdk(dir, version);
            Map<String, String> environment = Map.of("SNIPOOL_JAR", jar.toString(), "JAVA_HOME", home.toString(),
                    "SNIPOOL_CDS", "make");
            assertThat(launch(environment).exitCode()).isZero();
            String training = read(home.resolve("bin/calls"));
            Run printed = launch(Map.of("SNIPOOL_JAR", jar.toString(), "JAVA_HOME", home.toString(),
                    "SNIPOOL_PRINT_COMMAND", "1"));
            if (version.startsWith("25")) {
                assertThat(training).contains("-XX:AOTCacheOutput=").contains("io.snipool.app.ArchiveTraining");
                assertThat(printed.output()).containsPattern("-XX:AOTCache=\\S+\\.aot -Xlog:cds=off");
            } else {
                assertThat(training).contains("-XX:ArchiveClassesAtExit=").contains("io.snipool.app.ArchiveTraining");
                assertThat(printed.output()).containsPattern("-XX:SharedArchiveFile=\\S+\\.jsa -Xlog:cds=off");
            }
        }
        assertThat(archives(dir)).hasSize(2);
    }

    @Test
    void aRebuiltJarGetsANewArchiveAndTheOldOneGoes(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("snipool.jar"), "not run");
        Map<String, String> environment = Map.of("SNIPOOL_JAR", jar.toString(),
                "JAVA_HOME", fakeJdk(dir, "17.0.15").toString(), "SNIPOOL_CDS", "make");
        assertThat(launch(environment).exitCode()).isZero();
        List<Path> first = archives(dir);

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
        Run again = launch(environment);
        assertThat(again.output()).contains(MAKING);
        assertThat(archives(dir)).hasSize(1).doesNotContainAnyElementsOf(first);
    }

    @Test
    void anUnwritableDirectoryOrTheOperatorsOwnArchiveFlagsMeanNoArchive(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("snipool.jar"), "not run");
        Path home = fakeJdk(dir, "17.0.15");
        Path file = Files.writeString(dir.resolve("a-file"), "");
        Run unwritable = launch(Map.of("SNIPOOL_JAR", jar.toString(), "JAVA_HOME", home.toString(),
                "SNIPOOL_CDS_DIR", file.resolve("below").toString()));
        assertThat(unwritable.output())
                .contains("no class-data archive: " + file.resolve("below") + " is not writable");
        assertThat(read(home.resolve("bin/calls"))).doesNotContain("ArchiveTraining").contains("-jar " + jar);

        for (String own : List.of("-Xshare:off", "-XX:SharedArchiveFile=/x.jsa", "-XX:AOTCache=/x.aot")) {
            Files.delete(home.resolve("bin/calls"));
            launch(Map.of("SNIPOOL_JAR", jar.toString(), "JAVA_HOME", home.toString(), "JAVA_OPTS", own));
            assertThat(read(home.resolve("bin/calls"))).as(own)
                    .isEqualTo("-XX:+ExitOnOutOfMemoryError " + own + " -jar " + jar + "\n");
        }
        assertThat(archives(dir)).isEmpty();
    }
}

package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** reload.watch: a change to a watched file triggers one reload once the files have been quiet. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigWatcherTest {

    @TempDir
    Path dir;

    private ConfigWatcher watcher;

    @AfterEach
    void stop() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
    }

    @Test
    void aBurstOfWritesIsOneReload() throws Exception {
        Path file = Files.writeString(dir.resolve("snipool.yaml"), "a: 1\n");
        Files.writeString(dir.resolve("other.yaml"), "x");
        AtomicInteger reloads = new AtomicInteger();
        watcher = ConfigWatcher.start(() -> Set.of(file), Duration.ofMillis(300), reloads::incrementAndGet).orElseThrow();

        for (int i = 0; i < 5; i++) {
            Files.writeString(file, "a: " + i + "\n");
        }
        Await.until(Await.SLOW_TIMEOUT, "the change is noticed", reloads::get, count -> count >= 1);
        Files.writeString(dir.resolve("other.yaml"), "y");
        // A replacement by rename (how deploy tools write) is a change too.
        Path staged = Files.writeString(dir.resolve("staged.tmp"), "a: 9\n");
        Files.move(staged, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Await.until(Await.SLOW_TIMEOUT, "the rename is noticed", reloads::get, count -> count >= 2);

        assertThat(reloads.get()).as("one reload per quiet burst, none for other files").isEqualTo(2);
    }

    @Test
    void aKubernetesConfigMapUpdateIsSeenThroughItsDataLinkSwap() throws Exception {
        KubeletVolume volume = KubeletVolume.create(dir.resolve("config"), "snipool.yaml", "a: 1\n");
        Path file = volume.file("snipool.yaml");
        AtomicInteger reloads = new AtomicInteger();
        watcher = ConfigWatcher.start(() -> Set.of(file), Duration.ofMillis(200), reloads::incrementAndGet).orElseThrow();

        volume.update("snipool.yaml", "a: 2\n");

        Await.until(Await.SLOW_TIMEOUT, "the swap is noticed", reloads::get, count -> count >= 1);
        assertThat(Files.readString(file)).isEqualTo("a: 2\n");
        volume.update("snipool.yaml", "a: 3\n");
        Await.until(Await.SLOW_TIMEOUT, "the second swap too", reloads::get, count -> count >= 2);
        assertThat(reloads.get()).as("one reload per update; the kubelet's clean-up is not a change").isEqualTo(2);
    }

    @Test
    void aFileThatJoinsTheSetInAnotherDirectoryIsWatchedFromThenOn() throws Exception {
        Path file = Files.writeString(dir.resolve("snipool.yaml"), "a: 1\n");
        Path certificate = certificateInAnotherDirectory();
        AtomicInteger reloads = new AtomicInteger();
        // The configuration names the certificate only from its second version on, as after a reload.
        watcher = ConfigWatcher.start(() -> reloads.get() == 0 ? Set.of(file) : Set.of(file, certificate),
                Duration.ofMillis(200), reloads::incrementAndGet).orElseThrow();

        Files.writeString(file, "a: 2\n");
        Await.until(Await.SLOW_TIMEOUT, "the file's change", reloads::get, count -> count == 1);
        Files.writeString(certificate, "two");

        Await.until(Await.SLOW_TIMEOUT, "the certificate's change", reloads::get, count -> count == 2);
    }

    /**
     * The reload that adds a file reads it, and the file changes before the watcher watches it: taken as it is then,
     * the change would never be reloaded. Here the reload itself writes it, after "reading".
     */
    @Test
    void aFileThatChangesWhileTheReloadThatAddsItRunsGetsAReloadOfItsOwn() throws Exception {
        Path file = Files.writeString(dir.resolve("snipool.yaml"), "a: 1\n");
        Path certificate = certificateInAnotherDirectory();
        AtomicInteger reloads = new AtomicInteger();
        watcher = ConfigWatcher.start(() -> reloads.get() == 0 ? Set.of(file) : Set.of(file, certificate),
                Duration.ofMillis(200), () -> {
                    if (reloads.incrementAndGet() == 1) {
                        try {
                            Files.writeString(certificate, "two");
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }).orElseThrow();

        Files.writeString(file, "a: 2\n");

        Await.until(Await.SLOW_TIMEOUT, "a reload for the certificate's change", reloads::get, count -> count == 2);
    }

    /** A certificate in a directory of its own, which the watcher watches only once a reload names it. */
    private Path certificateInAnotherDirectory() throws IOException {
        return Files.writeString(Files.createDirectories(dir.resolve("certs")).resolve("a.pem"), "one");
    }

    /**
     * A directory laid out as the kubelet mounts a ConfigMap or a Secret: each file a link to {@code ..data/NAME},
     * {@code ..data} a link to a timestamped directory; an update writes a new directory, points a temporary link
     * at it, renames that over {@code ..data} (one atomic step), and removes the old directory.
     */
    record KubeletVolume(Path root) {

        static KubeletVolume create(Path root, String name, String content) throws IOException {
            Files.createDirectories(root);
            KubeletVolume volume = new KubeletVolume(root);
            Path first = volume.version(Map.of(name, content));
            Files.createSymbolicLink(root.resolve("..data"), first.getFileName());
            Files.createSymbolicLink(root.resolve(name), Path.of("..data", name));
            return volume;
        }

        Path file(String name) {
            return root.resolve(name);
        }

        /** A new version of the volume with {@code name} (new, or changed) beside the files it had. */
        void update(String name, String content) throws IOException {
            update(Map.of(name, content));
        }

        /** A new version with {@code changed} files; every file of the volume is in it, as the kubelet writes it. */
        void update(Map<String, String> changed) throws IOException {
            Path old = root.resolve(Files.readSymbolicLink(root.resolve("..data")));
            Map<String, String> files = new TreeMap<>();
            try (Stream<Path> current = Files.list(old)) {
                for (Path file : current.toList()) {
                    files.put(file.getFileName().toString(), Files.readString(file));
                }
            }
            files.putAll(changed);
            Path next = version(files);
            Path link = Files.createSymbolicLink(root.resolve("..data_tmp"), next.getFileName());
            Files.move(link, root.resolve("..data"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            for (String name : files.keySet()) {
                if (!Files.exists(root.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(root.resolve(name), Path.of("..data", name));
                }
            }
            try (Stream<Path> stale = Files.list(old)) {
                for (Path file : stale.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(old);
        }

        private Path version(Map<String, String> files) throws IOException {
            Path version = Files.createTempDirectory(root, "..2026_12_04_");
            for (Map.Entry<String, String> file : files.entrySet()) {
                Files.writeString(version.resolve(file.getKey()), file.getValue());
            }
            return version;
        }
    }
}

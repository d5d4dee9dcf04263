package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.core.testbed.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** reload.watch: a change to the file triggers one reload once the file has been quiet. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigWatcherTest {

    @TempDir
    Path dir;

    @Test
    void aBurstOfWritesIsOneReload() throws Exception {
        Path file = Files.writeString(dir.resolve("snipool.yaml"), "a: 1\n");
        Files.writeString(dir.resolve("other.yaml"), "x");
        AtomicInteger reloads = new AtomicInteger();
        ConfigWatcher.start(file, Duration.ofMillis(300), reloads::incrementAndGet);

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
}

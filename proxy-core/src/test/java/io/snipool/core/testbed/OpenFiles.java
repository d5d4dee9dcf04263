package io.snipool.core.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The test process's open file descriptors, from {@code /proc/self/fd}: the proxy, its backends and its clients all
 * live in this process, so a socket nobody closed shows up here whatever the meters say.
 */
public final class OpenFiles {

    private static final Path FDS = Path.of("/proc/self/fd");

    private OpenFiles() {
    }

    /** Whether this system has {@code /proc/self/fd} (Linux). */
    public static boolean countable() {
        return Files.isDirectory(FDS);
    }

    /** Open descriptors now (the listing's own directory descriptor included, as in every count). */
    public static int count() {
        try (Stream<Path> entries = Files.list(FDS)) {
            return (int) entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the descriptors open now point at, counted by kind ({@code socket}, {@code pipe}, a file path...). */
    public static TreeMap<String, Integer> byKind() {
        TreeMap<String, Integer> kinds = new TreeMap<>();
        List<Path> entries = new ArrayList<>();
        try (Stream<Path> listing = Files.list(FDS)) {
            listing.forEach(entries::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path entry : entries) {
            String target;
            try {
                target = Files.readSymbolicLink(entry).toString();
            } catch (IOException closedMeanwhile) {
                continue;
            }
            int bracket = target.indexOf(":[");
            kinds.merge(bracket > 0 ? target.substring(0, bracket) : target, 1, Integer::sum);
        }
        return kinds;
    }
}

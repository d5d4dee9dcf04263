package io.snipool.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Reads the PEM files a configuration names ({@code cert}, {@code key}, {@code ca}), and the session ticket key file,
 * at load, so that a missing
 * or broken file is a configuration error and a reload with one keeps the running set. A relative path is
 * resolved against the configuration file's directory. Each reader is a {@link ValueParser} of the configured
 * path, so a refusal lands on that key with its line; its message names the path as written.
 */
final class PemFiles {

    /** Larger files are refused unread: a chain or a CA bundle is kilobytes (Mozilla's whole bundle: ~220 KiB). */
    static final int MAX_PEM_FILE_BYTES = 1024 * 1024;

    private final Path baseDirectory;

    PemFiles(Path baseDirectory) {
        this.baseDirectory = baseDirectory.toAbsolutePath();
    }

    /** A certificate chain, leaf first, each certificate signed by the next one's key. */
    ValueParser<List<X509Certificate>> chain() {
        return certificates().then((configured, chain) -> PemCertificates.chainOrderProblem(chain)
                .<ValueParser.Parsed<List<X509Certificate>>>map(problem -> refused(configured, problem))
                .orElseGet(() -> new ValueParser.Parsed.Accepted<>(chain)));
    }

    /** Trust anchors: any number of certificates (at least one), in no particular order. */
    ValueParser<List<X509Certificate>> certificates() {
        return blocks().then((configured, blocks) -> named(configured, PemCertificates.certificates(blocks)));
    }

    /** One unencrypted private key. */
    ValueParser<PrivateKey> privateKey() {
        return blocks().then((configured, blocks) -> named(configured, PemPrivateKeys.privateKey(blocks)));
    }

    /** The configured path resolved: absolute as written, else against the configuration's directory. */
    Path resolve(String configured) {
        return ConfigLoader.resolve(baseDirectory, configured);
    }

    /**
     * Keys for TLS session tickets: one per line, base64 of {@link SessionTicketKey#BYTES} bytes
     * ({@code openssl rand -base64 48}); blank lines and {@code #} comments ignored. The first key seals new tickets.
     */
    ValueParser<List<SessionTicketKey>> sessionTicketKeys() {
        return text().then((configured, text) -> named(configured, SessionTicketKey.parseAll(text)));
    }

    private ValueParser<List<PemReader.Block>> blocks() {
        return text().then((configured, text) -> named(configured, PemReader.read(text)));
    }

    /** A file's text, read whole (up to {@link #MAX_PEM_FILE_BYTES}), or why it cannot be. */
    private ValueParser<String> text() {
        return configured -> {
            if (configured.isBlank()) {
                return new ValueParser.Parsed.Refused<>("expected a file path, got an empty value");
            }
            Path file;
            try {
                file = resolve(configured);
            } catch (InvalidPathException e) {
                return new ValueParser.Parsed.Refused<>("'" + configured + "' is not a file path: " + e.getReason());
            }
            String where = "'" + configured + "'" + (file.toString().equals(configured) ? "" : " (" + file + ")");
            Optional<String> unreadable = unreadable(file);
            if (unreadable.isPresent()) {
                return new ValueParser.Parsed.Refused<>("cannot read " + where + ": " + unreadable.get());
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_PEM_FILE_BYTES + 1);
            } catch (IOException e) {
                return new ValueParser.Parsed.Refused<>("cannot read " + where + ": " + reason(e));
            }
            if (bytes.length > MAX_PEM_FILE_BYTES) {
                return new ValueParser.Parsed.Refused<>(where + " is larger than "
                        + Units.formatSize(MAX_PEM_FILE_BYTES) + ", the limit for a PEM file");
            }
            // PEM is ASCII; Latin-1 decodes any byte, so stray text around the blocks never fails the read.
            return new ValueParser.Parsed.Accepted<>(new String(bytes, StandardCharsets.ISO_8859_1));
        };
    }

    /**
     * Why {@code file} is not a regular file, known before opening it (a FIFO would block the loader); empty when
     * it is one, or when only opening it can tell why not (then the open fails with the system's reason).
     */
    private static Optional<String> unreadable(Path file) {
        if (Files.isRegularFile(file)) {
            return Optional.empty();
        }
        if (Files.isDirectory(file)) {
            return Optional.of("it is a directory");
        }
        if (Files.notExists(file)) {
            return Optional.of("no such file");
        }
        return Files.exists(file) ? Optional.of("not a regular file") : Optional.empty();
    }

    /** The operating system's reason, in its words where Java keeps them. */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof FileSystemException fileSystem && fileSystem.getReason() != null) {
            return fileSystem.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static <T> ValueParser.Parsed<T> named(String configured, ValueParser.Parsed<T> parsed) {
        return parsed instanceof ValueParser.Parsed.Refused<T> refused ? refused(configured, refused.reason())
                : parsed;
    }

    private static <T> ValueParser.Parsed<T> refused(String configured, String reason) {
        return new ValueParser.Parsed.Refused<>("'" + configured + "': " + reason);
    }
}

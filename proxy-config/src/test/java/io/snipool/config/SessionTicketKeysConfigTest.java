package io.snipool.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tls.session_ticket_keys: a file of base64 keys, first one sealing; every malformed file refused with its line. */
class SessionTicketKeysConfigTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeFiles() {
        TlsFiles.writeAll(dir);
    }

    private static String key(int fill) {
        byte[] bytes = new byte[SessionTicketKey.BYTES];
        java.util.Arrays.fill(bytes, (byte) fill);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static ProxyConfig parse(String keysFile, String provider) throws Exception {
        Files.writeString(dir.resolve("ticket.keys"), keysFile);
        return new ConfigLoader(Map.<String, String>of()::get).parse("""
                listeners:
                  - name: edge
                    bind: 127.0.0.1:0
                    mode: tls
                    tls:
                      certificates: [ { cert: certs/a.pem, key: certs/a.key } ]
                      session_ticket_keys: ticket.keys
                      provider: %s
                    routes:
                      - { hosts: [a.example.test], terminate: true, backends: ["127.0.0.1:9000"] }
                """.formatted(provider), "tls.yaml", dir);
    }

    private static String problem(String keysFile, String provider) {
        List<ConfigProblem> problems = catchThrowableOfType(InvalidConfigException.class,
                () -> parse(keysFile, provider)).problems();
        assertThat(problems).hasSize(1);
        return problems.get(0).path() + ": " + problems.get(0).message();
    }

    @Test
    void keysInFileOrderTheFirstSealing() throws Exception {
        TlsSettings tls = parse("# rotated 2026-12-04\n" + key(2) + "\n\n" + key(1) + "\n", "auto").listeners().get(0)
                .tls().orElseThrow();

        assertThat(tls.sessionTicketKeysPath()).contains("ticket.keys");
        assertThat(tls.sessionTicketKeys()).extracting(k -> k.bytes()[0]).containsExactly((byte) 2, (byte) 1);
        assertThat(tls.sessionTicketKeys().get(0).toString()).as("never the secrets").doesNotContain(key(2));
    }

    @Test
    void malformedFilesAreRefusedWithTheirLine() {
        String path = "listeners[0].tls.session_ticket_keys: 'ticket.keys': ";
        assertThat(problem(key(1) + "\nnot base64!\n", "auto")).isEqualTo(path + "line 2 is not base64");
        assertThat(problem(Base64.getEncoder().encodeToString(new byte[47]), "auto"))
                .isEqualTo(path + "line 1 holds 47 bytes; a key is 48 (openssl rand -base64 48)");
        assertThat(problem("# nothing\n", "auto")).startsWith(path + "no keys");
        assertThat(problem(key(1) + "\n" + key(1) + "\n", "auto")).isEqualTo(path
                + "two keys share a name (their first 16 bytes)");
        StringBuilder seventeen = new StringBuilder();
        for (int i = 0; i < 17; i++) {
            seventeen.append(key(i)).append('\n');
        }
        assertThat(problem(seventeen.toString(), "auto")).isEqualTo(path + "17 keys; at most 16");
        assertThat(problem(key(1), "jdk")).startsWith("listeners[0].tls.session_ticket_keys: session_ticket_keys"
                + " need the OpenSSL (BoringSSL) provider");
    }
}

package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.core.testbed.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files reload.watch watches: the configuration and every PEM file it names, resolved as the loader does. */
class ConfigFilesTest {

    @TempDir
    Path dir;

    @Test
    void theConfigurationAndEveryCertificateKeyAndCaFileItNames() throws Exception {
        TestPki pki = new TestPki();
        TestPki.Leaf served = pki.leaf("a.test");
        TestPki.Leaf client = pki.leaf("client.test");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        Files.writeString(certs.resolve("a.pem"), served.certificatePem());
        Files.writeString(certs.resolve("a.key"), served.privateKeyPem());
        Files.writeString(certs.resolve("ticket.keys"), java.util.Base64.getEncoder().encodeToString(new byte[48]));
        Path ca = Files.writeString(dir.resolve("ca.pem"), client.certificatePem());
        Files.writeString(dir.resolve("client.pem"), client.certificatePem());
        Files.writeString(dir.resolve("client.key"), client.privateKeyPem());
        Path file = Files.writeString(Files.createDirectories(dir.resolve("etc")).resolve("snipool.yaml"), """
                listeners:
                  - name: edge
                    bind: "127.0.0.1:0"
                    mode: tls
                    tls:
                      certificates: [ { cert: ../certs/a.pem, key: ../certs/a.key } ]
                      session_ticket_keys: ../certs/ticket.keys
                    routes:
                      - { hosts: [a.test], terminate: true, backends: ["127.0.0.1:1"] }
                  - name: web
                    bind: "127.0.0.1:0"
                    mode: http
                    routes:
                      - hosts: [b.test]
                        backends: ["127.0.0.1:2"]
                        backend_tls: { ca: %s, cert: ../client.pem, key: ../client.key }
                """.formatted(ca));

        assertThat(ConfigFiles.of(file, new ConfigLoader(name -> null).load(file))).containsExactly(
                file.toAbsolutePath(), certs.resolve("a.pem"), certs.resolve("a.key"), certs.resolve("ticket.keys"), ca,
                dir.resolve("client.pem"), dir.resolve("client.key"));
    }
}

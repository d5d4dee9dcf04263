package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes and what it prints. */
class CliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Cli.Outcome run(String... args) {
        Cli cli = new Cli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.<String, String>of()::get);
        return cli.run(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(dir.resolve(name), yaml);
    }

    private static String listenerOn(String bind) {
        return """
                listeners:
                  - name: web
                    bind: "%s"
                    mode: http
                    routes: [ { hosts: [localhost], backends: ["127.0.0.1:9000"] } ]
                metrics: { bind: "127.0.0.1:0" }
                """.formatted(bind);
    }

    @Test
    void checkAcceptsAValidFile() throws IOException {
        Path file = write("ok.yaml", listenerOn("127.0.0.1:0"));

        assertThat(run("--check", "--config", file.toString())).isEqualTo(new Cli.Exit(0));
        assertThat(out()).isEqualTo(file + ": valid (1 listeners, 1 routes)\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void checkPrintsTheWarningsOfAValidFile() throws IOException {
        Path file = write("warn.yaml", listenerOn("127.0.0.1:0").replace("backends: [\"127.0.0.1:9000\"]",
                "backends: [\"127.0.0.1:9000\"], backend_tls: { verify: false }"));

        assertThat(run("--check", "--config", file.toString())).isEqualTo(new Cli.Exit(0));
        assertThat(out()).isEqualTo(file + ": valid (1 listeners, 1 routes)\n");
        assertThat(err()).isEqualTo(file + ": 1 warning\n"
                + "  listeners[0].routes[0].backend_tls.verify: verify: false: the backend's certificate is not checked,"
                + " so anyone on the path to it can read and change the traffic (line 5, column 90)\n");
    }

    @Test
    void checkNamesEveryProblemWithItsLine() throws IOException {
        Path file = write("bad.yaml", """
                listeners:
                  - name: web
                    bind: 127.0.0.1:99999
                    mode: htttp
                    routes: [ { hosts: [localhost], backends: ["127.0.0.1:9000"] } ]
                pool: { idle_timeout: soon }
                """);

        assertThat(run("--config=" + file, "--check")).isEqualTo(new Cli.Exit(2));
        assertThat(err()).isEqualTo(file + ": 3 problems\n"
                + "  listeners[0].bind: port 99999 out of range 0..65535 (line 3, column 11)\n"
                + "  listeners[0].mode: expected one of tls, http; got 'htttp' (did you mean 'http'?) (line 4, column 11)\n"
                + "  pool.idle_timeout: 'soon' is not a duration (expected e.g. 250ms, 30s, 5m, 1h) (line 6, column 23)\n");
        assertThat(out()).isEmpty();
    }

    @Test
    void anInvalidFileAlsoStopsANormalStart() throws IOException {
        Path file = write("bad.yaml", "listeners: []\n");
        assertThat(run("--config", file.toString())).isEqualTo(new Cli.Exit(2));
        assertThat(err()).contains("listeners: at least one listener is required");
    }

    @Test
    void aMissingFileIsOneClearLine() {
        Path missing = dir.resolve("nope.yaml");
        assertThat(run("--config", missing.toString())).isEqualTo(new Cli.Exit(1));
        assertThat(err()).isEqualTo("snipool: cannot read config file '" + missing + "': no such file\n");
    }

    @Test
    void theDefaultConfigIsConfigYamlInTheWorkingDirectory() {
        assertThat(Cli.DEFAULT_CONFIG).isEqualTo("config.yaml");
    }

    @Test
    void aPortInUseIsOneClearLine() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path file = write("taken.yaml", listenerOn("127.0.0.1:" + taken.getLocalPort()));

            assertThat(run("--config", file.toString())).isEqualTo(new Cli.Exit(1));
            assertThat(err()).isEqualTo("snipool: listener 'web' cannot bind 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use\n");
        }
    }

    @Test
    void anAddressNotOnThisMachineIsOneClearLine() throws IOException {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a local interface.
        Path file = write("foreign.yaml", listenerOn("192.0.2.1:0"));

        assertThat(run("--config", file.toString())).isEqualTo(new Cli.Exit(1));
        assertThat(err()).startsWith("snipool: listener 'web' cannot bind 192.0.2.1:0: ")
                .containsIgnoringCase("assign requested address").hasLineCount(1);
    }

    @Test
    void versionAndHelp() {
        assertThat(run("--version")).isEqualTo(new Cli.Exit(0));
        assertThat(out()).matches("snipool \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
        out.reset();
        assertThat(run("--help")).isEqualTo(new Cli.Exit(0));
        assertThat(out()).startsWith("Usage: java -jar snipool.jar [--config FILE] [--check] [--version] [--help]");
        assertThat(out()).contains("java -jar snipool.jar migrate --from sniproxy|sniproxy-rs FILE");
    }

    @Test
    void unknownArgumentsAreUsageErrors() {
        assertThat(run("--chek")).isEqualTo(new Cli.Exit(2));
        assertThat(err()).startsWith("snipool: unknown argument '--chek'\nUsage:");
        err.reset();
        assertThat(run("--config")).isEqualTo(new Cli.Exit(2));
        assertThat(err()).startsWith("snipool: --config needs a file name");
    }

    @Test
    void aValidFileStartsAndStops() throws Exception {
        Path file = write("ok.yaml", listenerOn("127.0.0.1:0"));

        Cli.Outcome outcome = run("--config", file.toString());

        assertThat(outcome).isInstanceOf(Cli.Running.class);
        Snipool snipool = ((Cli.Running) outcome).snipool();
        try {
            assertThat(snipool.readiness().isReady()).isTrue();
            assertThat(snipool.listenerPort("web")).isPositive();
        } finally {
            snipool.stop().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void aSniproxyConfIsPrintedAsYamlThatPassesCheck() throws IOException {
        Path conf = Files.writeString(dir.resolve("sniproxy.conf"), """
                user daemon
                listener 127.0.0.1:8443 {
                    protocol tls
                    table hosts
                }
                table hosts {
                    ^www\\\\.example\\\\.com$ 127.0.0.1:9443
                    .*\\\\.example\\\\.com *
                }
                """);

        assertThat(run("migrate", "--from", "sniproxy", conf.toString())).isEqualTo(new Cli.Exit(0));
        assertThat(err()).isEmpty();
        assertThat(out()).contains("# not migrated: user daemon (line 1), because");
        Path yaml = Files.writeString(dir.resolve("snipool.yaml"), out());
        out.reset();
        err.reset();

        assertThat(run("--check", "--config", yaml.toString())).isEqualTo(new Cli.Exit(0));
        assertThat(out()).isEqualTo(yaml + ": valid (1 listeners, 2 routes)\n");
    }

    @Test
    void anSniproxyRsYamlIsPrintedAsYamlThatPassesCheck() throws IOException {
        Path config = Files.writeString(dir.resolve("config.yaml"), """
                listen_addrs: ["127.0.0.1:8443"]
                timeouts: { connect: 10, client_hello: 5, idle: 300 }
                metrics: { enabled: true, address: "127.0.0.1:9191" }
                allowlist: ["*.example.com"]
                """);

        assertThat(run("migrate", "--from=sniproxy-rs", config.toString())).isEqualTo(new Cli.Exit(0));
        assertThat(out()).contains("      - hosts: ['*.example.com', 'example.com']\n");
        Path yaml = Files.writeString(dir.resolve("snipool.yaml"), out());
        out.reset();
        err.reset();

        assertThat(run("--check", "--config", yaml.toString())).isEqualTo(new Cli.Exit(0));
        assertThat(err()).isEmpty();
    }

    @Test
    void migrateOfAnUnparseableFileExitsOneNamingTheLine() throws IOException {
        Path conf = Files.writeString(dir.resolve("sniproxy.conf"), "listener 80 {\n  protocol gopher\n}\n");

        assertThat(run("migrate", "--from", "sniproxy", conf.toString())).isEqualTo(new Cli.Exit(1));
        assertThat(out()).isEmpty();
        assertThat(err()).isEqualTo("snipool: " + conf + ": line 2: protocol must be tls or http, got 'gopher'\n");
    }

    @Test
    void migrateOfAnUnreadableFileExitsOne() {
        Path missing = dir.resolve("missing.conf");

        assertThat(run("migrate", "--from", "sniproxy", missing.toString())).isEqualTo(new Cli.Exit(1));
        assertThat(err()).isEqualTo("snipool: cannot read sniproxy file '" + missing + "': no such file\n");
    }

    @Test
    void migrateUsageErrorsExitTwo() {
        assertThat(run("migrate", "sniproxy.conf")).isEqualTo(new Cli.Exit(2));
        assertThat(err()).startsWith("snipool: migrate needs --from sniproxy|sniproxy-rs and a file\nUsage:");
        err.reset();

        assertThat(run("migrate", "--from", "haproxy", "haproxy.cfg")).isEqualTo(new Cli.Exit(2));
        assertThat(err()).startsWith("snipool: migrate: --from must be one of sniproxy, sniproxy-rs, got 'haproxy'");
        err.reset();

        assertThat(run("migrate", "--from", "sniproxy", "a.conf", "b.conf")).isEqualTo(new Cli.Exit(2));
        assertThat(err()).startsWith("snipool: migrate: unexpected argument 'b.conf'");
    }
}

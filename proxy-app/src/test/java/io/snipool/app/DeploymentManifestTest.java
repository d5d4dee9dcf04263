package io.snipool.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.snipool.config.ConfigLoader;
import io.snipool.config.ConfigProblem;
import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.core.testbed.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The invariants of deploy/kubernetes that a typo would break silently until a rolling update drops requests: the
 * ConfigMap's configuration is valid, the probes and ports match it, the kubelet's kill comes after the drain, the
 * configuration is mounted as a directory (so updates reach it), and PROXY protocol is on both sides or neither.
 */
class DeploymentManifestTest {

    private static final Path KUBERNETES = Path.of("").toAbsolutePath().getParent().resolve("deploy/kubernetes");

    private static List<Map<String, Object>> documents;
    private static Map<String, Object> deployment;
    private static Map<String, Object> container;

    @TempDir
    static Path certificates;

    @BeforeAll
    static void load() throws IOException {
        documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(KUBERNETES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Load yaml = new Load(LoadSettings.builder().build());
                for (Object document : yaml.loadAllFromString(Files.readString(file))) {
                    if (document != null) {
                        documents.add(map(document));
                    }
                }
            }
        }
        deployment = only("Deployment");
        container = map(list(at(deployment, "spec", "template", "spec", "containers")).get(0));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) Objects.requireNonNull(value);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        return (List<Object>) Objects.requireNonNull(value);
    }

    private static Object at(Map<String, Object> from, String... keys) {
        Object value = from;
        for (String key : keys) {
            value = map(value).get(key);
        }
        return value;
    }

    private static Map<String, Object> only(String kind) {
        List<Map<String, Object>> found = documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.get(0);
    }

    /** The ConfigMap's config.yaml, loaded as snipool would, with test certificates where the Secret would be. */
    private static ProxyConfig config() throws Exception {
        TestPki.Leaf leaf = new TestPki().leaf("app.example.com");
        Files.writeString(certificates.resolve("tls.crt"), leaf.certificatePem());
        Files.writeString(certificates.resolve("tls.key"), leaf.privateKeyPem());
        String yaml = (String) at(only("ConfigMap"), "data", "config.yaml");
        return new ConfigLoader(Map.of("SNIPOOL_ADMIN_TOKEN", "a-token-of-at-least-16-characters")::get)
                .parse(yaml.replace("/etc/snipool/tls/", certificates + "/"), "configmap.yaml");
    }

    private static int port(Object probe) {
        return ((Number) at(map(probe), "httpGet", "port")).intValue();
    }

    @Test
    void theConfigMapHoldsAValidConfigurationThatFollowsUpdates() throws Exception {
        ProxyConfig config = config();

        // (The test certificate expires within a day, which is warned about too: only the admin server's count.)
        assertThat(config.warnings()).extracting(ConfigProblem::path).as("allow and token are set")
                .noneMatch(path -> path.startsWith("metrics"));
        assertThat(config.reload().watch()).as("reload.watch follows the ConfigMap and the Secret").isTrue();
        assertThat(config.shutdown().gracePeriod()).isPositive();
    }

    @Test
    void probesAndPortsMatchTheConfiguration() throws Exception {
        ProxyConfig config = config();
        int admin = config.metrics().bind().port();

        assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/readyz");
        assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/healthz");
        assertThat(Stream.of("readinessProbe", "livenessProbe", "startupProbe").map(p -> port(container.get(p))))
                .containsOnly(admin);
        List<Integer> containerPorts = list(container.get("ports")).stream()
                .map(p -> ((Number) map(p).get("containerPort")).intValue()).toList();
        List<Integer> listenerPorts = config.listeners().stream().map(l -> l.bind().port()).toList();
        assertThat(containerPorts).containsExactlyInAnyOrderElementsOf(
                Stream.concat(listenerPorts.stream(), Stream.of(admin)).toList());
        List<Integer> servicePorts = documents.stream().filter(d -> "Service".equals(d.get("kind")))
                .flatMap(service -> list(at(service, "spec", "ports")).stream())
                .map(p -> ((Number) map(p).get("targetPort")).intValue()).toList();
        assertThat(servicePorts).as("every Service port reaches a port snipool listens on")
                .isSubsetOf(containerPorts).containsAll(listenerPorts);
        assertThat(config.metrics().loopbackOnly()).as("probes come from the kubelet, not loopback").isFalse();
    }

    @Test
    void theKubeletKillsOnlyAfterPreStopGracePeriodAndDrain() throws Exception {
        ProxyConfig config = config();
        long preStop = ((Number) at(container, "lifecycle", "preStop", "sleep", "seconds")).longValue();
        long grace = ((Number) at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds")).longValue();

        assertThat(grace).isGreaterThan(preStop + config.shutdown().gracePeriod().toSeconds()
                + config.shutdown().drainTimeout().toSeconds());
        assertThat(at(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable")).isEqualTo(0);
    }

    @Test
    void theConfigurationAndCertificatesAreMountedAsDirectories() {
        List<Map<String, Object>> mounts = list(container.get("volumeMounts")).stream()
                .map(DeploymentManifestTest::map).toList();
        assertThat(mounts).as("subPath mounts never see updates")
                .allSatisfy(mount -> assertThat(mount).doesNotContainKey("subPath"));
        List<Object> arguments = list(container.get("args"));
        String configFile = (String) arguments.get(arguments.indexOf("--config") + 1);
        Map<String, Map<String, Object>> volumes = list(at(deployment, "spec", "template", "spec", "volumes"))
                .stream().map(DeploymentManifestTest::map)
                .collect(Collectors.toMap(v -> (String) v.get("name"), v -> v));
        Map<String, Object> configMount = mounts.stream()
                .filter(m -> at(volumes.get((String) m.get("name")), "configMap") != null).findFirst().orElseThrow();
        assertThat(configFile).startsWith(configMount.get("mountPath") + "/");
        assertThat(at(volumes.get((String) configMount.get("name")), "configMap", "name"))
                .isEqualTo(at(only("ConfigMap"), "metadata", "name"));
    }

    @Test
    void proxyProtocolIsOnBothSidesOrNeither() throws Exception {
        ProxyConfig config = config();
        Map<String, Object> publicService = documents.stream().filter(d -> "Service".equals(d.get("kind")))
                .filter(d -> "LoadBalancer".equals(at(d, "spec", "type"))).findFirst().orElseThrow();
        Object annotations = at(publicService, "metadata", "annotations");
        boolean balancerSends = annotations != null
                && map(annotations).containsKey("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol");

        assertThat(config.listeners()).extracting(ListenerConfig::proxyProtocolIn).containsOnly(balancerSends);
    }

    @Test
    void theKustomizationListsEveryManifest() throws IOException {
        Map<String, Object> kustomization = only("Kustomization");
        try (Stream<Path> files = Files.list(KUBERNETES)) {
            assertThat(list(kustomization.get("resources"))).containsExactlyInAnyOrderElementsOf(files
                    .map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml")).toList());
        }
    }
}

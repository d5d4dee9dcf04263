package io.snipool.app;

import io.snipool.config.BackendTlsConfig;
import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import io.snipool.config.TlsSettings;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The files a configuration was read from: the configuration file and every certificate, key, CA and session ticket
 * key file it names,
 * resolved as the loader resolves them (relative to the configuration file's directory). {@code reload.watch}
 * watches them all, so that certificates rotated on disk (a Kubernetes Secret, certbot) reload like the file.
 */
final class ConfigFiles {

    private ConfigFiles() {
    }

    static Set<Path> of(Path configFile, ProxyConfig config) {
        Path file = configFile.toAbsolutePath().normalize();
        Path base = file.getParent();
        Set<Path> files = new LinkedHashSet<>();
        files.add(file);
        for (ListenerConfig listener : config.listeners()) {
            for (TlsSettings.CertificateConfig certificate : listener.tls().map(TlsSettings::certificates)
                    .orElse(List.of())) {
                files.add(base.resolve(certificate.certPath()).normalize());
                files.add(base.resolve(certificate.keyPath()).normalize());
            }
            listener.tls().flatMap(TlsSettings::sessionTicketKeysPath)
                    .ifPresent(path -> files.add(base.resolve(path).normalize()));
            for (RouteConfig route : listener.routes()) {
                route.backendTls().ifPresent(tls -> backendFiles(tls, base, files));
            }
        }
        return files;
    }

    private static void backendFiles(BackendTlsConfig tls, Path base, Set<Path> files) {
        for (Optional<String> configured : List.of(tls.caPath(), tls.clientCertPath(), tls.clientKeyPath())) {
            configured.ifPresent(path -> files.add(base.resolve(path).normalize()));
        }
    }
}

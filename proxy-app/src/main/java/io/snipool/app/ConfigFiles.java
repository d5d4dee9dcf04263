package io.snipool.app;

import io.snipool.config.ConfigLoader;
import io.snipool.config.ListenerConfig;
import io.snipool.config.ProxyConfig;
import io.snipool.config.RouteConfig;
import io.snipool.config.TlsSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

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
        List<String> named = new ArrayList<>();
        for (ListenerConfig listener : config.listeners()) {
            for (TlsSettings.CertificateConfig certificate : listener.tls().map(TlsSettings::certificates)
                    .orElse(List.of())) {
                named.add(certificate.certPath());
                named.add(certificate.keyPath());
            }
            listener.tls().flatMap(TlsSettings::sessionTicketKeysPath).ifPresent(named::add);
            for (RouteConfig route : listener.routes()) {
                route.backendTls().ifPresent(tls -> Stream.of(tls.caPath(), tls.clientCertPath(), tls.clientKeyPath())
                        .flatMap(Optional::stream).forEach(named::add));
            }
        }
        Set<Path> files = new LinkedHashSet<>();
        files.add(file);
        named.forEach(path -> files.add(ConfigLoader.resolve(file.getParent(), path)));
        return files;
    }
}

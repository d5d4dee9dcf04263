package io.snipool.app.migrate;

import java.util.List;

/**
 * What a migration produced, before it is written as YAML: the listeners with their routes, the top-level
 * sections, and the notes (settings that did not map, or mapped with a difference) at the place they concern. Both
 * source formats build this, so that one writer ({@link SnipoolYaml}) decides the output's shape.
 */
public record MigratedConfig(List<String> notes, List<Listener> listeners, List<Section> sections) {

    public MigratedConfig {
        notes = List.copyOf(notes);
        listeners = List.copyOf(listeners);
        sections = List.copyOf(sections);
    }

    /** One snipool listener; {@code notes} are written above it. */
    public record Listener(String name, String bind, String mode, List<String> notes, List<Route> routes) {
        public Listener {
            notes = List.copyOf(notes);
            routes = List.copyOf(routes);
        }
    }

    /**
     * One route. {@code proxyProtocol} is {@code none} unless the source asked for a PROXY header; {@code notes}
     * are written above it.
     */
    public record Route(List<String> hosts, List<String> backends, String proxyProtocol, List<String> notes) {
        public Route {
            hosts = List.copyOf(hosts);
            backends = List.copyOf(backends);
            notes = List.copyOf(notes);
        }
    }

    /** A top-level block ({@code timeouts}, {@code pool}, ...); {@code notes} are written above it. */
    public record Section(String name, List<Setting> settings, List<String> notes) {
        public Section {
            settings = List.copyOf(settings);
            notes = List.copyOf(notes);
        }
    }

    /** {@code key: value}, the value already a YAML scalar; a non-empty {@code note} is written at its end. */
    public record Setting(String key, String value, String note) {
    }
}

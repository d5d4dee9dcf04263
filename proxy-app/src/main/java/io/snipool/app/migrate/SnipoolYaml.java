package io.snipool.app.migrate;

import java.util.List;

/**
 * Writes a {@link MigratedConfig} as snipool YAML. Every string is single-quoted: a regex host holds backslashes,
 * which single quotes keep as they are (only {@code '} is doubled), and a bare {@code *} would be a YAML alias.
 */
public final class SnipoolYaml {

    private SnipoolYaml() {
    }

    /** The YAML text, with {@code header} as the opening comment lines. */
    public static String write(MigratedConfig config, List<String> header) {
        StringBuilder yaml = new StringBuilder();
        comments(yaml, "", header);
        comments(yaml, "", config.notes());
        yaml.append("listeners:\n");
        for (MigratedConfig.Listener listener : config.listeners()) {
            comments(yaml, "  ", listener.notes());
            yaml.append("  - name: ").append(quote(listener.name())).append('\n');
            yaml.append("    bind: ").append(quote(listener.bind())).append('\n');
            yaml.append("    mode: ").append(listener.mode()).append('\n');
            yaml.append("    routes:\n");
            for (MigratedConfig.Route route : listener.routes()) {
                comments(yaml, "      ", route.notes());
                yaml.append("      - hosts: ").append(list(route.hosts())).append('\n');
                yaml.append("        backends: ").append(list(route.backends())).append('\n');
                if (!route.proxyProtocol().equals("none")) {
                    yaml.append("        proxy_protocol: ").append(route.proxyProtocol()).append('\n');
                }
            }
        }
        for (MigratedConfig.Section section : config.sections()) {
            yaml.append('\n');
            comments(yaml, "", section.notes());
            if (section.settings().isEmpty()) {
                continue;
            }
            yaml.append(section.name()).append(":\n");
            for (MigratedConfig.Setting setting : section.settings()) {
                yaml.append("  ").append(setting.key()).append(": ").append(setting.value());
                if (!setting.note().isEmpty()) {
                    yaml.append("  # ").append(setting.note());
                }
                yaml.append('\n');
            }
        }
        return yaml.toString();
    }

    /** A single-quoted YAML scalar. */
    public static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static String list(List<String> items) {
        return items.stream().map(SnipoolYaml::quote).reduce((a, b) -> a + ", " + b).map(s -> "[" + s + "]")
                .orElse("[]");
    }

    private static void comments(StringBuilder yaml, String indent, List<String> notes) {
        for (String note : notes) {
            for (String line : note.split("\n")) {
                yaml.append(indent).append("# ").append(line).append('\n');
            }
        }
    }
}

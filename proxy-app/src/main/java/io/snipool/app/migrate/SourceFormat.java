package io.snipool.app.migrate;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The configuration formats {@code snipool migrate --from} reads. */
public enum SourceFormat {
    /** dlundquist/sniproxy's {@code sniproxy.conf}. */
    SNIPROXY("sniproxy"),
    /** SNIProxy-rs's YAML. */
    SNIPROXY_RS("sniproxy-rs");

    private final String name;

    SourceFormat(String name) {
        this.name = name;
    }

    /** The name {@code --from} takes. */
    public String formatName() {
        return name;
    }

    /** The format {@code --from} names. */
    public static Optional<SourceFormat> named(String name) {
        return Arrays.stream(values()).filter(f -> f.name.equals(name)).findFirst();
    }

    /** Every name {@code --from} takes. */
    public static List<String> names() {
        return Arrays.stream(values()).map(SourceFormat::formatName).toList();
    }

    /** The snipool YAML equivalent to {@code text}, which came from {@code source}. */
    public String migrate(String text, String source) throws MigrationException {
        MigratedConfig config = switch (this) {
            case SNIPROXY -> SniproxyMigration.migrate(text);
            case SNIPROXY_RS -> SniproxyRsMigration.migrate(text);
        };
        return SnipoolYaml.write(config, List.of(
                "snipool configuration migrated from " + name + " " + source + " by 'snipool migrate'.",
                "Comments say what did not map, and why; check with: snipool --check --config FILE"));
    }
}

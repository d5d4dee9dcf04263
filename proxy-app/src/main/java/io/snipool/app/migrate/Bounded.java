package io.snipool.app.migrate;

/**
 * A source value as a snipool setting within the range snipool accepts (docs/configuration.md); a value beyond it
 * is lowered to the limit with a note, so that the output passes {@code --check}.
 */
final class Bounded {

    static final long TEN_MINUTES = 600;
    static final long ONE_HOUR = 3_600;
    static final long ONE_DAY = 86_400;
    static final long SEVEN_DAYS = 7 * ONE_DAY;
    /** {@code limits.max_connections}. */
    static final long MAX_CONNECTIONS = 10_000_000;
    /** {@code pool.max_connections_per_host}. */
    static final long MAX_PER_HOST = 100_000;

    private Bounded() {
    }

    /** A duration in seconds, written {@code Ns}. */
    static MigratedConfig.Setting seconds(String key, long seconds, long maxSeconds, String from) {
        if (seconds > maxSeconds) {
            return new MigratedConfig.Setting(key, maxSeconds + "s",
                    "from " + from + ": " + seconds + "s is beyond snipool's limit, " + maxSeconds + "s");
        }
        return new MigratedConfig.Setting(key, seconds + "s", "from " + from);
    }

    /** A count. */
    static MigratedConfig.Setting count(String key, long value, long max) {
        if (value > max) {
            return new MigratedConfig.Setting(key, String.valueOf(max),
                    value + " is beyond snipool's limit, " + max);
        }
        return new MigratedConfig.Setting(key, String.valueOf(value), "");
    }
}

package io.snipool.config;

import io.snipool.config.HealthCheckConfig.StatusRange;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads how backends are judged: {@code health_check} (active checks) and {@code outlier_detection} (passive
 * ejection), each a top-level block of defaults that a route's own block overrides key by key, as {@code pool} is.
 * A route is probed when it or the top level has a {@code health_check} block, unless the nearer block says
 * {@code enabled: false}; outlier detection is on unless a block says {@code enabled: false}.
 */
final class HealthConfigReader {

    static final String HEALTH_CHECK = "health_check";
    static final String OUTLIER_DETECTION = "outlier_detection";
    static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    static final Duration MAX_INTERVAL = Duration.ofHours(1);
    static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    /** A streak longer than this would keep a backend in its state for minutes at any useful interval. */
    static final int MAX_STREAK = 100;
    static final int MAX_CONSECUTIVE_FAILURES = 1000;
    static final Duration MIN_EJECTION_TIME = Duration.ofMillis(10);
    /**
     * The target of a check is written by the operator, not a client; far below the 8000 octets of request line
     * RFC 9112 §3 asks servers to accept.
     */
    static final int MAX_PATH_LENGTH = 2048;

    /** RFC 9112 §3.2.1 origin form, without checking its grammar further: a slash, then visible ASCII. */
    private static final ValueParser<String> PATH = text -> {
        if (!text.startsWith("/")) {
            return new ValueParser.Parsed.Refused<>("'" + text + "' must start with '/' (a path such as /healthz)");
        }
        if (text.length() > MAX_PATH_LENGTH) {
            return new ValueParser.Parsed.Refused<>("limit " + MAX_PATH_LENGTH + " characters, got "
                    + text.length());
        }
        if (!text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return new ValueParser.Parsed.Refused<>("'" + text + "' may hold only visible ASCII characters (no"
                    + " spaces; percent-encode others)");
        }
        return new ValueParser.Parsed.Accepted<>(text);
    };

    /**
     * The top-level blocks, which every route starts from.
     *
     * @param checkEnabled whether a route without a {@code health_check} block of its own is probed
     */
    record Defaults(boolean checkEnabled, HealthCheckConfig check, OutlierDetectionConfig outlier) {
    }

    private final Problems problems;

    HealthConfigReader(Problems problems) {
        this.problems = problems;
    }

    /** The top-level {@code health_check} and {@code outlier_detection} blocks of {@code top}. */
    Defaults defaults(YamlMap top) {
        boolean present = top.has(HEALTH_CHECK);
        YamlMap checkMap = top.map(HEALTH_CHECK);
        boolean enabled = checkMap.bool("enabled", present);
        HealthCheckConfig check = check(checkMap, HealthCheckConfig.defaults());
        OutlierDetectionConfig outlier = outlier(top.map(OUTLIER_DETECTION), OutlierDetectionConfig.defaults());
        return new Defaults(enabled, check, outlier);
    }

    /**
     * A route's health settings: its own blocks over {@code defaults}.
     *
     * @param backendsSpeakTls the route's backends speak TLS (a passthrough route, or {@code backend_tls}), so that
     *                         a {@code tls} check makes sense
     */
    BackendHealthConfig route(YamlMap route, Defaults defaults, boolean backendsSpeakTls) {
        boolean enabled = defaults.checkEnabled();
        HealthCheckConfig check = defaults.check();
        if (route.has(HEALTH_CHECK)) {
            YamlMap checkMap = route.map(HEALTH_CHECK);
            enabled = checkMap.bool("enabled", true);
            check = check(checkMap, defaults.check());
            if (enabled && check.type() == HealthCheckConfig.Type.TLS && !backendsSpeakTls) {
                problems.add(checkMap.has("type") ? checkMap.child("type") : checkMap.path(),
                        checkMap.has("type") ? checkMap.take("type") : checkMap.node(), plainBackends(""));
            }
        } else if (enabled && check.type() == HealthCheckConfig.Type.TLS && !backendsSpeakTls) {
            problems.add(route.child(HEALTH_CHECK), route.node(), plainBackends(" (from the top-level block)"));
        }
        OutlierDetectionConfig outlier = route.has(OUTLIER_DETECTION)
                ? outlier(route.map(OUTLIER_DETECTION), defaults.outlier()) : defaults.outlier();
        return new BackendHealthConfig(enabled ? Optional.of(check) : Optional.empty(), outlier);
    }

    private static String plainBackends(String origin) {
        return "type: tls" + origin + " needs backends that speak TLS, and this route's speak plain HTTP (no"
                + " backend_tls); use tcp or http, or enabled: false";
    }

    private HealthCheckConfig check(YamlMap map, HealthCheckConfig base) {
        HealthCheckConfig.Type type = map.choice("type", base.type(), HealthCheckConfig.Type.class);
        String path = map.value("path", base.path(), PATH);
        List<StatusRange> expect = base.expectStatus();
        if (map.has("expect_status")) {
            expect = map.list("expect_status", StatusRange::parse);
            map.requireNonEmpty("expect_status", expect);
            if (expect.isEmpty()) {
                expect = base.expectStatus();
            }
        }
        Duration interval = map.duration("interval", base.interval(), MIN_INTERVAL, MAX_INTERVAL);
        Duration timeout = map.duration("timeout", base.timeout(), MIN_TIMEOUT, MAX_INTERVAL);
        int rise = map.intValue("rise", base.rise(), 1, MAX_STREAK);
        int fall = map.intValue("fall", base.fall(), 1, MAX_STREAK);
        if (type != HealthCheckConfig.Type.HTTP) {
            for (String httpOnly : List.of("path", "expect_status")) {
                if (map.has(httpOnly)) {
                    problems.add(map.child(httpOnly), map.keyNode(httpOnly), httpOnly + " applies only to type:"
                            + " http; this check is type: " + type.name().toLowerCase(Locale.ROOT));
                }
            }
        }
        // A check still running when the next is due would overlap it on a fresh connection of its own.
        notLonger(map, "timeout", timeout, "interval", interval);
        map.finish();
        return new HealthCheckConfig(type, path, expect, interval, timeout, rise, fall);
    }

    private OutlierDetectionConfig outlier(YamlMap map, OutlierDetectionConfig base) {
        boolean enabled = map.bool("enabled", base.enabled());
        int failures = map.intValue("consecutive_failures", base.consecutiveFailures(), 1,
                MAX_CONSECUTIVE_FAILURES);
        Duration baseTime = map.duration("base_ejection_time", base.baseEjectionTime(), MIN_EJECTION_TIME,
                Duration.ofDays(1));
        Duration maxTime = map.duration("max_ejection_time", base.maxEjectionTime(), MIN_EJECTION_TIME,
                Duration.ofDays(7));
        int percent = map.intValue("max_ejection_percent", base.maxEjectionPercent(), 0, 100);
        notLonger(map, "base_ejection_time", baseTime, "max_ejection_time", maxTime);
        map.finish();
        return new OutlierDetectionConfig(enabled, failures, baseTime, maxTime, percent);
    }

    /**
     * Records a problem if {@code shorter} is longer than {@code longer}, at whichever of the two keys this block
     * sets (the other may come from the top level); at {@code shorterKey} when it sets both.
     */
    private void notLonger(YamlMap map, String shorterKey, Duration shorter, String longerKey, Duration longer) {
        if (shorter.compareTo(longer) <= 0 || (!map.has(shorterKey) && !map.has(longerKey))) {
            return; // valid, or both inherited: the block that set them has the problem
        }
        String at = map.has(shorterKey) || !map.has(longerKey) ? shorterKey : longerKey;
        problems.add(map.child(at), map.has(at) ? map.take(at) : map.node(), shorterKey + " ("
                + Units.formatDuration(shorter) + ") must not be longer than " + longerKey + " ("
                + Units.formatDuration(longer) + ")");
    }
}

package io.snipool.config;

import io.snipool.config.BackendPolicy.Balance;
import io.snipool.config.BackendPolicy.BackendShare;
import io.snipool.config.RetryPolicy.RetryOn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads how routes choose and retry their backends: the {@code backends} entries in their short
 * ({@code "10.0.0.1:8080"}) and long ({@code { address: ..., weight: 3, backup: true }}) forms, and the
 * {@code balance}, {@code hash_key}, {@code slow_start} and {@code retry} keys, which the top level of the file sets
 * for every route and a route may override, key by key, as {@code pool} is overridden.
 */
final class BackendPolicyReader {

    /** One {@code backends} entry as read: where it points and its share of the route's traffic. */
    record Entry(BackendTemplate template, BackendShare share) {
    }

    private static final ValueParser<BackendTemplate> TEMPLATE = ValueParser.throwing(BackendTemplate::parse);
    private static final ValueParser<HashKey> HASH_KEY = ValueParser.throwing(HashKey::parse);
    private static final ValueParser<String> METHOD = text -> {
        if (!HashKey.isToken(text)) {
            return new ValueParser.Parsed.Refused<>("'" + text + "' is not a method name (RFC 9110 §9.1: a token)");
        }
        String upper = text.toUpperCase(Locale.ROOT);
        if (!upper.equals(text) && RetryPolicy.IDEMPOTENT_METHODS.contains(upper)) {
            // A lower-case "get" is a method of its own that no client sends: it would silently retry nothing.
            return new ValueParser.Parsed.Refused<>("'" + text + "': methods are case-sensitive (RFC 9110 §9.1);"
                    + " did you mean '" + upper + "'?");
        }
        return new ValueParser.Parsed.Accepted<>(text);
    };

    private final Problems problems;
    private final Problems warnings;

    BackendPolicyReader(Problems problems, Problems warnings) {
        this.problems = problems;
        this.warnings = warnings;
    }

    /** The top-level keys: the policy of every route that does not override them. */
    BackendPolicy defaults(YamlMap top) {
        return read(top, BackendPolicy.defaults(0), List.of());
    }

    /** A route's {@code backends}, in file order, without the entries that could not be read. */
    List<Entry> backends(YamlMap route) {
        List<Entry> entries = route.entries("backends",
                TEMPLATE.then((text, template) -> new ValueParser.Parsed.Accepted<>(
                        new Entry(template, BackendShare.DEFAULT))),
                this::longForm);
        if (!entries.isEmpty() && entries.stream().allMatch(entry -> entry.share().backup())) {
            problems.add(route.child("backends"), route.take("backends"), "every backend is a backup; at least one"
                    + " must not be (a backup serves only while no other backend is available)");
        }
        return entries;
    }

    /**
     * The route's policy: {@code defaults} with the route's own keys applied.
     *
     * @param passthrough a passthrough route of a TLS listener, which sees no request: no header to hash, no
     *                    method to retry by
     */
    BackendPolicy route(YamlMap route, BackendPolicy defaults, List<BackendShare> shares, boolean passthrough) {
        BackendPolicy policy = read(route, defaults, shares);
        if (passthrough && policy.hashKey().orElse(null) instanceof HashKey.Header header) {
            boolean inherited = !route.has("hash_key");
            problems.add(route.child("hash_key"), inherited ? route.node() : route.take("hash_key"), "hash_key "
                    + header + (inherited ? " (from the top level)" : "") + " needs a request's headers; a"
                    + " passthrough route sees only the ClientHello: use client_ip or host");
        }
        YamlMap retry = route.map("retry");
        if (passthrough && retry.has("methods")) {
            problems.add(retry.child("methods"), retry.keyNode("methods"), "retry.methods applies only to pooled"
                    + " routes (http listeners, terminate: true); a passthrough route retries only connects, which"
                    + " send nothing");
        }
        return policy;
    }

    private BackendPolicy read(YamlMap map, BackendPolicy base, List<BackendShare> shares) {
        Balance balance = map.choice("balance", base.balance(), Balance.class);
        boolean hashKeyWritten = map.has("hash_key");
        HashKey written = map.value("hash_key", null, HASH_KEY);
        Optional<HashKey> hashKey = Optional.empty();
        if (balance == Balance.HASH) {
            hashKey = hashKeyWritten ? Optional.ofNullable(written) : base.hashKey();
            if (hashKey.isEmpty() && !hashKeyWritten) {
                problems.add(map.child("hash_key"), map.has("balance") ? map.take("balance") : map.node(),
                        "balance: hash needs hash_key (client_ip, host or header:NAME)");
            }
        } else if (hashKeyWritten) {
            problems.add(map.child("hash_key"), map.take("hash_key"), "hash_key applies only to balance: hash"
                    + " (balance here is " + balance.label() + ")");
        }
        if (balance == Balance.HASH && hashKey.isEmpty()) {
            balance = base.balance() == Balance.HASH ? Balance.ROUND_ROBIN : base.balance(); // refused anyway
        }
        Duration slowStart = map.duration("slow_start", base.slowStart(), Duration.ZERO, BackendPolicy.MAX_SLOW_START);
        RetryPolicy retry = map.has("retry") ? readRetry(map.map("retry"), base.retry()) : base.retry();
        return new BackendPolicy(balance, hashKey, slowStart, retry, shares);
    }

    private RetryPolicy readRetry(YamlMap map, RetryPolicy base) {
        int attempts = map.intValue("attempts", base.attempts(), 0, RetryPolicy.MAX_ATTEMPTS);
        Set<RetryOn> on = base.on();
        if (map.has("on")) {
            on = EnumSet.noneOf(RetryOn.class);
            on.addAll(map.values("on", ValueParser.choice(RetryOn.class)));
        }
        Set<String> methods = base.methods();
        if (map.has("methods")) {
            List<String> written = map.values("methods", METHOD);
            methods = new LinkedHashSet<>(written);
            if (written.size() == map.listSize("methods")) {
                warnNonIdempotent(map, written);
            }
        }
        boolean otherBackend = map.bool("other_backend", base.otherBackend());
        map.finish();
        return new RetryPolicy(attempts, on, methods, otherBackend);
    }

    private void warnNonIdempotent(YamlMap map, List<String> methods) {
        for (int i = 0; i < methods.size(); i++) {
            if (!RetryPolicy.IDEMPOTENT_METHODS.contains(methods.get(i))) {
                warnings.add(map.child("methods") + "[" + i + "]", map.listItem("methods", i), methods.get(i)
                        + " is not idempotent (RFC 9110 §9.2.2): a retry after it reached a backend may apply it"
                        + " twice");
            }
        }
    }

    private Optional<Entry> longForm(YamlMap entry) {
        BackendTemplate template = entry.value("address", null, TEMPLATE);
        if (!entry.has("address")) {
            problems.add(entry.child("address"), entry.node(), "required key 'address' is missing");
        }
        int weight = entry.intValue("weight", BackendShare.DEFAULT_WEIGHT, 1, BackendShare.MAX_WEIGHT);
        boolean backup = entry.bool("backup", false);
        entry.finish();
        return template == null ? Optional.empty() : Optional.of(new Entry(template, new BackendShare(weight, backup)));
    }

    /** The templates of {@code entries}, in order. */
    static List<BackendTemplate> templates(List<Entry> entries) {
        List<BackendTemplate> templates = new ArrayList<>(entries.size());
        entries.forEach(entry -> templates.add(entry.template()));
        return templates;
    }

    /** The shares of {@code entries}, in order. */
    static List<BackendShare> shares(List<Entry> entries) {
        List<BackendShare> shares = new ArrayList<>(entries.size());
        entries.forEach(entry -> shares.add(entry.share()));
        return shares;
    }
}

package io.snipool.core.backend;

import io.snipool.config.BackendTemplate;
import io.snipool.config.HostNames;
import io.snipool.core.route.BackendTarget;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code sni} of a route's {@code backend_tls}: a literal name, or a template such as {@code ${host}} expanded
 * per request with the route match's variables. It has a backend host's syntax and rules, so it is parsed and
 * expanded as one ({@link BackendTemplate}, {@link BackendTarget#expand}): an expansion that is not a host name is
 * refused rather than sent.
 */
public final class SniTemplate {

    /** The result of expanding the template for one request. */
    public sealed interface Expansion {
        /** The name to send, normalized; an IP literal is not sent as SNI (RFC 6066 §3) but still verified. */
        record Name(String sni) implements Expansion {
        }

        /** The variables made something that is not a host name; the request must not reach the backend. */
        record Invalid(String reason) implements Expansion {
        }
    }

    /** The port a {@link BackendTemplate} needs to exist; an SNI has none, and it is never read. */
    private static final String UNUSED_PORT = ":1";

    private final String text;
    private final BackendTemplate template;
    private final Optional<String> fixed;

    private SniTemplate(String text, BackendTemplate template) {
        this.text = text;
        this.template = template;
        this.fixed = template.isStatic() ? Optional.of(template.staticAddress().host()) : Optional.empty();
    }

    /**
     * Parses {@code sni}.
     *
     * @throws IllegalArgumentException with a message fit for the user, when it is neither a host name nor a template
     */
    public static SniTemplate parse(String sni) {
        if (sni.isEmpty() || sni.indexOf(':') >= 0) {
            throw new IllegalArgumentException("sni '" + sni + "' is not a host name or a template such as ${host}");
        }
        try {
            // A literal is normalized before it is checked, as a Host is; a template's expansions are, per request.
            String host = sni.contains("${") ? sni : HostNames.normalize(sni);
            return new SniTemplate(sni, BackendTemplate.parse(host + UNUSED_PORT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sni '" + sni + "': " + e.getMessage().replace(UNUSED_PORT, ""), e);
        }
    }

    /** The name every request sends, when the template has no variable. */
    public Optional<String> fixed() {
        return fixed;
    }

    /** The SNI for a request whose route match gave {@code variables}. */
    public Expansion expand(Map<String, String> variables) {
        if (fixed.isPresent()) {
            return new Expansion.Name(fixed.get());
        }
        // A template with variables expands to a host to check (normalized), or to nothing: never to a Static.
        BackendTarget target = BackendTarget.expand(template, variables);
        if (target instanceof BackendTarget.Dynamic dynamic) {
            return new Expansion.Name(dynamic.host());
        }
        return new Expansion.Invalid(((BackendTarget.Invalid) target).reason()
                .replace("backend '" + template + "'", "sni '" + text + "'"));
    }

    @Override
    public String toString() {
        return text;
    }
}

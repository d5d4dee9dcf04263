package io.snipool.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One {@code backends} entry: a host that may contain {@code ${variable}} references ({@code ${host}} or a named
 * group of the route's regexes) and a literal port.
 */
public record BackendTemplate(String text, List<Part> hostParts, int port) {

    /** The variable always available: the requested (normalized) host name. */
    public static final String HOST_VARIABLE = "host";

    /** A piece of the host: literal text or a variable reference. */
    public sealed interface Part {
    }

    /** Literal text of the host. */
    public record Literal(String text) implements Part {
    }

    /** A {@code ${name}} reference. */
    public record Variable(String name) implements Part {
    }

    public BackendTemplate {
        hostParts = List.copyOf(hostParts);
    }

    /** True if the host contains no variables, so the backend is a fixed address. */
    public boolean isStatic() {
        return hostParts.stream().allMatch(Literal.class::isInstance);
    }

    /** The variables this template refers to, in order of first use. */
    public Set<String> variables() {
        return variablesOf(hostParts);
    }

    /** The fixed address of a static template. */
    public HostPort staticAddress() {
        if (!isStatic()) {
            throw new IllegalStateException("backend '" + text + "' is a template");
        }
        return new HostPort(expandHost(Map.of()), port);
    }

    /**
     * The host with each variable replaced; a variable missing from {@code values} expands to the empty string,
     * which the caller's host-name check then refuses.
     */
    public String expandHost(Map<String, String> values) {
        return expand(hostParts, values);
    }

    /**
     * Parses {@code host:port}, {@code [v6]:port} or a template such as {@code ${tenant}.internal:443}.
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static BackendTemplate parse(String text) {
        if (!text.contains("${")) {
            HostPort address = HostPort.parse(text, 1);
            return new BackendTemplate(text, List.of(new Literal(address.host())), address.port());
        }
        int colon = text.lastIndexOf(':');
        int close = text.lastIndexOf('}');
        if (colon < 0 || colon < close) {
            throw new IllegalArgumentException("'" + text + "' has no port (expected host:port)");
        }
        int port = HostPort.parsePort(text.substring(colon + 1), 1);
        return new BackendTemplate(text, parseHost(text.substring(0, colon), text), port);
    }

    /**
     * The parts of a host template such as {@code ${tenant}.internal}: literal text and {@code ${name}} references.
     * Also the form of {@code backend_tls.sni}.
     *
     * @param text the whole value as written, for messages
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static List<Part> parseHost(String host, String text) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < host.length()) {
            int open = host.indexOf("${", i);
            if (open < 0) {
                parts.add(new Literal(host.substring(i)));
                break;
            }
            if (open > i) {
                parts.add(new Literal(host.substring(i, open)));
            }
            int end = host.indexOf('}', open);
            if (end < 0) {
                throw new IllegalArgumentException("'" + text + "': '${' without a closing '}'");
            }
            String name = host.substring(open + 2, end);
            if (!name.matches("[A-Za-z][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("'" + text + "': '${" + name
                        + "}' is not a variable name (letters, digits, '_')");
            }
            parts.add(new Variable(name));
            i = end + 1;
        }
        for (Part part : parts) {
            if (part instanceof Literal literal && !literal.text().matches("[A-Za-z0-9._-]*")) {
                throw new IllegalArgumentException("'" + text + "': '" + literal.text()
                        + "' is not part of a host name");
            }
        }
        return List.copyOf(parts);
    }

    /**
     * {@code parts} with each variable replaced; a variable missing from {@code values} expands to the empty
     * string, which the caller's host-name check then refuses.
     */
    public static String expand(List<Part> parts, Map<String, String> values) {
        if (parts.size() == 1 && parts.get(0) instanceof Literal literal) {
            return literal.text();
        }
        StringBuilder host = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                host.append(literal.text());
            } else {
                host.append(values.getOrDefault(((Variable) part).name(), ""));
            }
        }
        return host.toString();
    }

    /** The {@code ${name}} variables of {@code parts}, in order of first use. */
    public static Set<String> variablesOf(List<Part> parts) {
        Set<String> names = new LinkedHashSet<>();
        for (Part part : parts) {
            if (part instanceof Variable variable) {
                names.add(variable.name());
            }
        }
        return names;
    }

    @Override
    public String toString() {
        return text;
    }
}

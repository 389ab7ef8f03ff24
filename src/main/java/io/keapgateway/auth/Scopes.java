package io.keapgateway.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A key's compiled scopes. A scope is {@code METHOD PATH}: METHOD is an HTTP method or {@code *}; in PATH
 * {@code *} matches within one segment (a {@code *} that is a whole segment matches one non-empty segment, so
 * {@code contacts/*} never allows {@code contacts/}) and {@code **} any number of segments. Two presets are
 * offered by name: {@code full} and {@code read-only}. Scopes by XML-RPC method, and the {@code xmlrpc:*}
 * presets, are {@link XmlRpcScopes}.
 */
public final class Scopes {

    /** Preset names and what they stand for. */
    public static final Map<String, List<String>> PRESETS = Map.of(
            "full", List.of("* /crm/**"),
            "read-only", List.of("GET /crm/rest/**", "HEAD /crm/rest/**"));

    private static final Pattern METHOD = Pattern.compile("\\*|[A-Z]{3,10}");

    private record Rule(String method, Pattern path) {
        boolean allows(String requestMethod, String requestPath) {
            return ("*".equals(method) || method.equals(requestMethod)) && path.matcher(requestPath).matches();
        }
    }

    private final List<Rule> rules;
    private final List<Pattern> xmlRpcMethods;

    private Scopes(List<Rule> rules, List<Pattern> xmlRpcMethods) {
        this.rules = rules;
        this.xmlRpcMethods = xmlRpcMethods;
    }

    /** Compiles scopes (an empty list means {@code full}); throws IllegalArgumentException naming a bad entry. */
    public static Scopes compile(List<String> scopes) {
        List<Rule> rules = new ArrayList<>();
        List<Pattern> xmlRpcMethods = new ArrayList<>();
        for (String scope : expand(scopes)) {
            if (XmlRpcScopes.isMethodScope(scope)) {
                xmlRpcMethods.add(XmlRpcScopes.compile(scope));
                continue;
            }
            String[] parts = scope.trim().split("\\s+");
            if (parts.length != 2 || !METHOD.matcher(parts[0]).matches() || !parts[1].startsWith("/")) {
                throw new IllegalArgumentException("scope '" + scope + "' is not 'METHOD /path' or a preset "
                        + PRESETS.keySet());
            }
            rules.add(new Rule(parts[0], glob(parts[1])));
        }
        return new Scopes(List.copyOf(rules), List.copyOf(xmlRpcMethods));
    }

    /** The scopes with presets replaced by what they stand for; none given means {@code full}. */
    public static List<String> expand(List<String> scopes) {
        if (scopes == null || scopes.isEmpty()) {
            return PRESETS.get("full");
        }
        List<String> expanded = new ArrayList<>();
        for (String scope : scopes) {
            expanded.addAll(PRESETS.getOrDefault(scope, XmlRpcScopes.PRESETS.getOrDefault(scope, List.of(scope))));
        }
        return expanded;
    }

    /**
     * True if some scope allows {@code method} on {@code path}, or, on an XML-RPC endpoint, calling
     * {@code xmlRpcMethod} (null when the request is not an XML-RPC call).
     */
    public boolean allows(String method, String path, String xmlRpcMethod) {
        return allows(method, path) || XmlRpcScopes.allows(xmlRpcMethods, method, path, xmlRpcMethod);
    }

    /** True if some scope allows {@code method} on {@code path} (a decoded path without query). */
    public boolean allows(String method, String path) {
        for (Rule rule : rules) {
            if (rule.allows(method, path)) {
                return true;
            }
        }
        return false;
    }

    private static Pattern glob(String path) {
        StringBuilder regex = new StringBuilder();
        String[] segments = path.substring(1).split("/", -1);
        for (String segment : segments) {
            if (segment.equals("**")) {
                regex.append("(/[^/]*)*"); // any number of segments, including none
            } else if (segment.equals("*")) {
                regex.append("/[^/]+"); // exactly one segment, never an empty one
            } else {
                regex.append('/');
                String[] literals = segment.split("\\*", -1);
                for (int i = 0; i < literals.length; i++) {
                    if (i > 0) {
                        regex.append("[^/]*");
                    }
                    regex.append(Pattern.quote(literals[i]));
                }
            }
        }
        return Pattern.compile(regex.toString());
    }
}

package io.keapgateway.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A key's compiled scopes. A scope is {@code METHOD PATH}: METHOD is an HTTP method or {@code *}; in PATH
 * {@code *} matches within one segment (a {@code *} that is a whole segment matches one non-empty segment, so
 * {@code contacts/*} never allows {@code contacts/}) and {@code **} any number of segments. A scope without a
 * space is the name of a preset ({@link ScopePresets}), expanded here; an unknown name is refused. Scopes by
 * XML-RPC method are {@link XmlRpcScopes}.
 */
public final class Scopes {

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
                throw new IllegalArgumentException("scope '" + scope + "' is not 'METHOD /path'");
            }
            rules.add(new Rule(parts[0], glob(parts[1])));
        }
        return new Scopes(List.copyOf(rules), List.copyOf(xmlRpcMethods));
    }

    /** The scopes with presets replaced by what they stand for; none given means {@code full}. */
    public static List<String> expand(List<String> scopes) {
        if (scopes == null || scopes.isEmpty()) {
            return ScopePresets.expansion("full").orElseThrow();
        }
        List<String> expanded = new ArrayList<>();
        for (String scope : scopes) {
            String trimmed = scope.trim();
            if (trimmed.matches(".*\\s.*")) { // a rule; a single word is a preset name
                expanded.add(trimmed);
            } else {
                expanded.addAll(ScopePresets.expansion(trimmed).orElseThrow(() -> new IllegalArgumentException(
                        "unknown scope preset '" + scope + "' (presets: " + String.join(", ", ScopePresets.names())
                                + "; a rule is 'METHOD /path')")));
            }
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

package io.keapgateway.auth;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Scopes by XML-RPC method. A scope {@code XMLRPC Service.method} allows {@code POST} on
 * {@code /crm/xmlrpc} and {@code /crm/xmlrpc/v1} for that method only; in either name {@code *} matches
 * any run of characters (never a dot), so {@code XMLRPC ContactService.*} is every method of one service.
 * An HTTP scope that allows {@code POST /crm/xmlrpc/v1} (such as {@code POST /crm/xmlrpc/**}) still allows
 * every method.
 */
public final class XmlRpcScopes {

    /** What starts a method scope. */
    static final String PREFIX = "XMLRPC";

    /**
     * The XML-RPC presets. {@code xmlrpc:read} is every method that only reads, by the names of Keap's
     * XML-RPC API (its PHP SDK's services): {@code load}, {@code query…}, {@code count}, {@code find…},
     * {@code get…}, the affiliate reports ({@code APIAffiliateService.aff…}) and
     * {@code SearchService.quickSearch}. {@code xmlrpc:write} is every method.
     */
    static final Map<String, List<String>> PRESETS = orderedPresets(
            List.of("XMLRPC *.load", "XMLRPC *.query*", "XMLRPC *.count", "XMLRPC *.find*",
                    "XMLRPC *.get*", "XMLRPC APIAffiliateService.aff*", "XMLRPC SearchService.quickSearch"),
            List.of("POST /crm/xmlrpc/**"));

    private static final Pattern METHOD_GLOB = Pattern.compile("[A-Za-z0-9_*]{1,64}\\.[A-Za-z0-9_*]{1,64}");

    private XmlRpcScopes() {
    }

    private static Map<String, List<String>> orderedPresets(List<String> read, List<String> write) {
        Map<String, List<String>> presets = new LinkedHashMap<>();
        presets.put("xmlrpc:read", read);
        presets.put("xmlrpc:write", write);
        return Collections.unmodifiableMap(presets);
    }

    /** True if {@code scope} names XML-RPC methods rather than an HTTP method and path. */
    static boolean isMethodScope(String scope) {
        String[] parts = scope.trim().split("\\s+");
        return parts.length > 0 && parts[0].equals(PREFIX);
    }

    /** Compiles {@code XMLRPC Service.method}; throws IllegalArgumentException naming a bad entry. */
    static Pattern compile(String scope) {
        String[] parts = scope.trim().split("\\s+");
        if (parts.length != 2 || !METHOD_GLOB.matcher(parts[1]).matches()) {
            throw new IllegalArgumentException("scope '" + scope + "' is not 'XMLRPC Service.method' ("
                    + "'*' allowed within a name)");
        }
        StringBuilder regex = new StringBuilder();
        String[] literals = parts[1].split("\\*", -1);
        for (int i = 0; i < literals.length; i++) {
            if (i > 0) {
                regex.append("[^.]*");
            }
            regex.append(Pattern.quote(literals[i]));
        }
        return Pattern.compile(regex.toString());
    }

    /** True for the two XML-RPC endpoints (decoded path). */
    public static boolean isXmlRpcPath(String path) {
        return path.equals("/crm/xmlrpc") || path.equals("/crm/xmlrpc/v1");
    }

    /** True if one of {@code methods} allows calling {@code xmlRpcMethod} with {@code method path}. */
    static boolean allows(List<Pattern> methods, String method, String path, String xmlRpcMethod) {
        if (xmlRpcMethod == null || !"POST".equals(method) || !isXmlRpcPath(path)) {
            return false;
        }
        for (Pattern allowed : methods) {
            if (allowed.matcher(xmlRpcMethod).matches()) {
                return true;
            }
        }
        return false;
    }
}

package io.keapgateway.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Scope presets: names that stand for a list of {@code METHOD PATH} scopes. A key stores the names as given;
 * {@link Scopes} enforces what they expand to. Offered: {@code full}, {@code read-only}, and per Keap REST
 * resource family {@code <family>:read} (GET and HEAD) and {@code <family>:write} (every method), each over
 * the family's REST v1 and v2 paths (v2's {@code family:verb} custom methods included), and
 * {@code xmlrpc:read} / {@code xmlrpc:write} ({@link XmlRpcScopes}). Each source is one table in
 * {@link #TABLES}, mapping preset names to the scopes they stand for; names must not repeat.
 */
public final class ScopePresets {

    /** Keap's REST resource families (paths from Keap's v2 OpenAPI file and the v1 reference). */
    static final Map<String, Family> REST_FAMILIES = restFamilies();

    /** Every source of presets: the general ones, the REST families and the XML-RPC methods. */
    private static final List<Map<String, List<String>>> TABLES = List.of(general(), restPresets(),
            XmlRpcScopes.PRESETS);

    private static final Map<String, List<String>> PRESETS = merge(TABLES);

    /** The paths of one REST resource family: v1 and v2 subtrees, plus v2 custom methods on the collection. */
    record Family(List<String> trees, List<String> exactPaths) {
    }

    private ScopePresets() {
    }

    /** What preset {@code name} stands for, if it is one. */
    public static Optional<List<String>> expansion(String name) {
        return Optional.ofNullable(PRESETS.get(name));
    }

    /** Every preset name, in a stable order (general first, then families). */
    public static Set<String> names() {
        return PRESETS.keySet();
    }

    private static Map<String, Family> restFamilies() {
        Map<String, Family> families = new LinkedHashMap<>();
        families.put("contacts", family(List.of("v1/contacts", "v2/contacts"),
                "v2/contacts:link", "v2/contacts:merge", "v2/contacts:unlink"));
        families.put("companies", family(List.of("v1/companies", "v2/companies")));
        // v1 keeps pipeline stages under the singular /opportunity.
        families.put("opportunities", family(List.of("v1/opportunities", "v1/opportunity", "v2/opportunities")));
        families.put("orders", family(List.of("v1/orders", "v2/orders")));
        families.put("products", family(List.of("v1/products", "v2/products")));
        families.put("tags", family(List.of("v1/tags", "v2/tags")));
        families.put("tasks", family(List.of("v1/tasks", "v2/tasks")));
        families.put("notes", family(List.of("v1/notes", "v2/notes")));
        families.put("emails", family(List.of("v1/emails", "v2/emails"),
                "v2/emails:send", "v2/emails:batchAdd", "v2/emails:batchRemove"));
        families.put("files", family(List.of("v1/files", "v2/files")));
        // REST hooks exist only in v1 (KEAP-API-FACTS.md section 5).
        families.put("hooks", family(List.of("v1/hooks")));
        families.put("users", family(List.of("v1/users", "v2/users")));
        return families;
    }

    private static Family family(List<String> trees, String... exactPaths) {
        return new Family(trees.stream().map(tree -> "/crm/rest/" + tree + "/**").toList(),
                List.of(exactPaths).stream().map(path -> "/crm/rest/" + path).toList());
    }

    private static Map<String, List<String>> general() {
        Map<String, List<String>> presets = new LinkedHashMap<>();
        presets.put("full", List.of("* /crm/**"));
        presets.put("read-only", List.of("GET /crm/rest/**", "HEAD /crm/rest/**"));
        return presets;
    }

    private static Map<String, List<String>> restPresets() {
        Map<String, List<String>> presets = new LinkedHashMap<>();
        REST_FAMILIES.forEach((name, family) -> {
            presets.put(name + ":read", rules(family, List.of("GET", "HEAD")));
            presets.put(name + ":write", rules(family, List.of("*")));
        });
        return presets;
    }

    private static List<String> rules(Family family, List<String> methods) {
        List<String> rules = new ArrayList<>();
        for (String method : methods) {
            family.trees().forEach(path -> rules.add(method + " " + path));
            family.exactPaths().forEach(path -> rules.add(method + " " + path));
        }
        return List.copyOf(rules);
    }

    private static Map<String, List<String>> merge(List<Map<String, List<String>>> tables) {
        Map<String, List<String>> all = new LinkedHashMap<>();
        for (Map<String, List<String>> table : tables) {
            table.forEach((name, scopes) -> {
                if (all.putIfAbsent(name, scopes) != null) {
                    throw new IllegalStateException("scope preset '" + name + "' is defined twice");
                }
            });
        }
        return Collections.unmodifiableMap(all);
    }
}

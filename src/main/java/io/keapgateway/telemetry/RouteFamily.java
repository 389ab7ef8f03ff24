package io.keapgateway.telemetry;

import java.util.ArrayList;
import java.util.List;

/**
 * The bounded set of route families that metrics and access lines name instead of a raw path (which would
 * carry record ids and give one time series per contact): {@code rest/v1/contacts}, {@code rest/v2/tags},
 * {@code xmlrpc}, and {@code other} for anything else, such as a resource Keap added later.
 *
 * <p>Families are numbered so that per-request lookups allocate nothing: {@link #of} answers an index into
 * {@link #name}.
 */
public final class RouteFamily {

    /** Keap REST v1 resources (the first segment after {@code /crm/rest/v1/}). */
    private static final List<String> V1 = List.of("account", "affiliates", "appointments", "campaigns",
            "companies", "contacts", "emails", "files", "hooks", "locales", "merchants", "notes", "oauth",
            "opportunities", "opportunity", "orders", "products", "setting", "subscriptions", "tags", "tasks",
            "transactions", "users");
    /** Keap REST v2 resources (the first segment after {@code /crm/rest/v2/}), from Keap's OpenAPI document. */
    private static final List<String> V2 = List.of("affiliates", "automationCategory", "automations",
            "businessProfile", "campaigns", "companies", "contacts", "discounts", "easy-automations",
            "emailAddresses", "emails", "files", "integrations", "leadSourceCategories", "leadSources", "locales",
            "merchants", "notes", "oauth", "opportunities", "orders", "paymentMethodConfigs", "paymentMethods",
            "productCategories", "productInterestBundles", "products", "referrals", "reporting", "sales",
            "settings", "shipping", "subscriptions", "tags", "tasks", "userGroups", "users", "webforms");

    private static final String V1_PREFIX = "/crm/rest/v1/";
    private static final String V2_PREFIX = "/crm/rest/v2/";
    private static final String[] NAMES;
    static final int OTHER = 0;
    static final int XMLRPC = 1;
    private static final int FIRST_V1 = 2;
    private static final int FIRST_V2 = FIRST_V1 + V1.size();

    static {
        List<String> names = new ArrayList<>(List.of("other", "xmlrpc"));
        V1.forEach(resource -> names.add("rest/v1/" + resource));
        V2.forEach(resource -> names.add("rest/v2/" + resource));
        NAMES = names.toArray(String[]::new);
    }

    private RouteFamily() {
    }

    /** How many families there are (indexes run from 0 to this, exclusive). */
    public static int count() {
        return NAMES.length;
    }

    /** The family's name, e.g. {@code rest/v1/contacts}. */
    public static String name(int family) {
        return NAMES[family];
    }

    /** The family of a (decoded) request path, e.g. {@code /crm/rest/v1/contacts/7/emails} is {@code rest/v1/contacts}. */
    public static int of(String path) {
        if (path.equals("/crm/xmlrpc") || path.equals("/crm/xmlrpc/v1")) {
            return XMLRPC;
        }
        if (path.startsWith(V1_PREFIX)) {
            return find(path, V1_PREFIX.length(), V1, FIRST_V1);
        }
        if (path.startsWith(V2_PREFIX)) {
            return find(path, V2_PREFIX.length(), V2, FIRST_V2);
        }
        return OTHER;
    }

    /** The resource starting at {@code offset}: it must end there, or at a {@code /} or a {@code :} (v2's verbs). */
    private static int find(String path, int offset, List<String> resources, int first) {
        for (int i = 0; i < resources.size(); i++) {
            String resource = resources.get(i);
            int end = offset + resource.length();
            if (path.startsWith(resource, offset)
                    && (end == path.length() || path.charAt(end) == '/' || path.charAt(end) == ':')) {
                return first + i;
            }
        }
        return OTHER;
    }
}

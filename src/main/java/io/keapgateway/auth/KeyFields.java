package io.keapgateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The fields an operator sets on a key, read and validated from JSON. Creation reads a whole object;
 * {@code PATCH} applies a JSON merge patch (RFC 7396) over the current fields, so {@code null} clears a
 * field and an absent member leaves it alone. {@code scopes} is never empty: absent at creation means
 * {@code full}, and {@code null} or {@code []} is refused (a key never widens by accident; revoking is how
 * access is removed).
 */
@RegisterForReflection // turned into JSON to apply a merge patch
public record KeyFields(String name, String connection, List<String> scopes, KeyRecord.Rate rate,
        Long dailyQuota, KeyRecord.Priority priority, Instant expiresAt, List<String> allowedIps,
        Integer maxConcurrent) {

    private static final Set<String> MEMBERS = Set.of("name", "connection", "scopes", "rate", "daily_quota",
            "priority", "expires_at", "allowed_ips", "max_concurrent");
    private static final String EMPTY_SCOPES = "'scopes' must be a non-empty list (leave it out for 'full'; "
            + "revoke the key to remove its access)";
    private static final Pattern CONNECTION_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    /** Reads the fields of a new key; throws {@code validation_failed} naming every problem found. */
    public static KeyFields read(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw invalid(List.of("the body must be a JSON object"));
        }
        List<String> problems = new ArrayList<>();
        for (Iterator<String> names = body.fieldNames(); names.hasNext();) {
            String member = names.next();
            if (!MEMBERS.contains(member)) {
                problems.add("unknown field '" + member + "'");
            }
        }
        String name = text(body, "name", problems);
        if (name == null || name.isBlank() || name.length() > 100) {
            problems.add("'name' is required (1 to 100 characters)");
        }
        String connection = text(body, "connection", problems);
        if (connection == null) {
            connection = "default";
        } else if (!CONNECTION_NAME.matcher(connection).matches()) {
            problems.add("'connection' must be a connection name (a-z, 0-9, '-', '_')");
        }
        List<String> scopes = scopes(body, problems);
        try {
            Scopes.compile(scopes);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        List<String> allowedIps = texts(body, "allowed_ips", problems);
        try {
            IpAllowList.parse(allowedIps);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        KeyFields fields = new KeyFields(name, connection, scopes,
                rate(body.get("rate"), problems), positiveLong(body, "daily_quota", problems),
                priority(body.get("priority"), problems), instant(body, "expires_at", problems), allowedIps,
                maxConcurrent(body, problems));
        if (!problems.isEmpty()) {
            throw invalid(problems);
        }
        return fields;
    }

    /** The fields of {@code current} with {@code patch} merged over them (RFC 7396). */
    public static KeyFields merge(KeyFields current, JsonNode patch, com.fasterxml.jackson.databind.ObjectMapper json) {
        if (patch == null || !patch.isObject()) {
            throw invalid(List.of("the body must be a JSON object"));
        }
        JsonNode scopes = patch.get("scopes");
        if (scopes != null && emptyList(scopes)) {
            throw invalid(List.of(EMPTY_SCOPES));
        }
        ObjectNode merged = json.valueToTree(current);
        patch.fields().forEachRemaining(member -> {
            if (member.getValue().isNull()) {
                merged.remove(member.getKey());
            } else {
                merged.set(member.getKey(), member.getValue());
            }
        });
        return read(merged);
    }

    /** The editable fields of a stored key. */
    public static KeyFields of(KeyRecord key) {
        return new KeyFields(key.name(), key.connection(), key.scopes(), key.rate(), key.dailyQuota(),
                key.priority(), key.expiresAt(), key.allowedIps(), key.maxConcurrent());
    }

    /** The key's scopes: {@code full} when the member is absent, else a non-empty list. */
    private static List<String> scopes(JsonNode body, List<String> problems) {
        if (!body.has("scopes")) {
            return List.of("full");
        }
        List<String> scopes = texts(body, "scopes", problems);
        if (emptyList(body.get("scopes"))) {
            problems.add(EMPTY_SCOPES);
            return List.of("full"); // only so that the other checks can run; the key is refused
        }
        return scopes;
    }

    private static boolean emptyList(JsonNode value) {
        return value.isNull() || (value.isArray() && value.isEmpty());
    }

    private static String text(JsonNode body, String member, List<String> problems) {
        JsonNode value = body.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            problems.add("'" + member + "' must be a string");
            return null;
        }
        return value.asText();
    }

    private static List<String> texts(JsonNode body, String member, List<String> problems) {
        JsonNode value = body.get(member);
        List<String> texts = new ArrayList<>();
        if (value == null || value.isNull()) {
            return texts;
        }
        if (!value.isArray()) {
            problems.add("'" + member + "' must be a list of strings");
            return texts;
        }
        value.forEach(item -> {
            if (item.isTextual()) {
                texts.add(item.asText());
            } else {
                problems.add("'" + member + "' must hold only strings");
            }
        });
        return texts;
    }

    private static Long positiveLong(JsonNode body, String member, List<String> problems) {
        JsonNode value = body.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 1) {
            problems.add("'" + member + "' must be a whole number of at least 1");
            return null;
        }
        return value.asLong();
    }

    /** At most 10000 requests in flight: more would only hide a mistake (the pool to Keap is far smaller). */
    private static Integer maxConcurrent(JsonNode body, List<String> problems) {
        Long value = positiveLong(body, "max_concurrent", problems);
        if (value != null && value > 10_000) {
            problems.add("'max_concurrent' must be 1..10000");
            return null;
        }
        return value == null ? null : value.intValue();
    }

    private static KeyRecord.Rate rate(JsonNode value, List<String> problems) {
        if (value == null || value.isNull()) {
            return null;
        }
        Long perSecond = value.isObject() ? positiveLong(value, "per_second", problems) : null;
        Long burst = value.isObject() ? positiveLong(value, "burst", problems) : null;
        if (perSecond == null || perSecond > 100_000 || (burst != null && burst > 1_000_000)) {
            problems.add("'rate' must be {\"per_second\": 1..100000, \"burst\": 1..1000000}");
            return null;
        }
        return new KeyRecord.Rate(perSecond.intValue(), burst == null ? perSecond.intValue() : burst.intValue());
    }

    private static KeyRecord.Priority priority(JsonNode value, List<String> problems) {
        if (value == null || value.isNull()) {
            return KeyRecord.Priority.normal;
        }
        try {
            return KeyRecord.Priority.valueOf(value.asText());
        } catch (IllegalArgumentException e) {
            problems.add("'priority' must be 'normal' or 'high'");
            return null;
        }
    }

    private static Instant instant(JsonNode body, String member, List<String> problems) {
        String text = text(body, member, problems);
        if (text == null) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            problems.add("'" + member + "' must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z");
            return null;
        }
    }

    private static GatewayException invalid(List<String> problems) {
        return new GatewayException(ErrorCode.VALIDATION_FAILED, String.join("; ", problems) + ".");
    }
}

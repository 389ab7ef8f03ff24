package io.keapgateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.config.GatewayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The environment variable names the application reads: the gateway's own (from {@link GatewayConfig}, as
 * {@code keap-gateway.x-y} = {@code KEAP_GATEWAY_X_Y}) and Quarkus' (from the configuration model every
 * extension ships in {@code META-INF/quarkus-config-doc/}), with the phase of each Quarkus one.
 */
final class ConfigNames {

    private ConfigNames() {
    }

    /** {@code KEAP_GATEWAY_*} names of every property of {@link GatewayConfig}. */
    static Set<String> gateway() {
        Set<String> names = new TreeSet<>();
        collect(GatewayConfig.class, "keap-gateway", names);
        return names;
    }

    /** Quarkus' environment variable names, each with its phase ({@code RUN_TIME}, {@code BUILD_TIME}, …). */
    static Map<String, String> quarkus() throws IOException {
        Map<String, String> phases = new HashMap<>();
        Enumeration<URL> models = ConfigNames.class.getClassLoader()
                .getResources("META-INF/quarkus-config-doc/quarkus-config-model.json");
        ObjectMapper json = new ObjectMapper();
        while (models.hasMoreElements()) {
            try (InputStream in = models.nextElement().openStream()) {
                walk(json.readTree(in), phases);
            }
        }
        return phases;
    }

    private static void walk(JsonNode node, Map<String, String> phases) {
        JsonNode env = node.path("path").path("environmentVariable");
        if (env.isTextual()) {
            phases.put(env.asText(), node.path("phase").asText());
        }
        node.forEach(child -> walk(child, phases));
    }

    private static void collect(Class<?> group, String prefix, Set<String> names) {
        for (Method method : group.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || method.isDefault() || method.getParameterCount() > 0) {
                continue;
            }
            io.smallrye.config.WithName named = method.getAnnotation(io.smallrye.config.WithName.class);
            String property = prefix + "." + (named != null ? named.value() : kebab(method.getName()));
            Class<?> type = method.getReturnType();
            if (type.isInterface() && type.getName().startsWith("io.keapgateway.")) {
                collect(type, property, names);
            } else {
                names.add(property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT));
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}

package io.keapgateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ingress objects as ingress-nginx turns them into nginx configuration, for the few features the kit uses: one
 * {@code server} per host, one {@code location} per path (Exact {@code = /p}; Prefix {@code /p/}, plus
 * {@code = /p} when {@code p} has no trailing slash; ImplementationSpecific {@code /p}), everything else on a
 * host and every unknown host answered 404 by the default backend, and these annotations with ingress-nginx's
 * defaults where an Ingress sets none: proxy-body-size (1m), proxy-request-buffering (on), proxy-buffering
 * (off), proxy-connect/send/read-timeout (5/60/60 s), whitelist-source-range (none). The headers towards the
 * Service and the upstream keep-alive are those of ingress-nginx's defaults ({@code use-forwarded-headers:
 * false}, 320 idle connections kept 60 s); X-Forwarded-Port says 80 or 443, the ports ingress-nginx listens on
 * and clients address (this nginx stands in for it on free ports). Every backend is the one Service,
 * {@code upstreams} its endpoints.
 */
final class IngressNginx {

    static final String ANNOTATION = "nginx.ingress.kubernetes.io/";

    /** Annotation → ingress-nginx's default, for the annotations this translator honours. */
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("proxy-body-size", "1m");
        DEFAULTS.put("proxy-request-buffering", "on");
        DEFAULTS.put("proxy-buffering", "off");
        DEFAULTS.put("proxy-connect-timeout", "5");
        DEFAULTS.put("proxy-send-timeout", "60");
        DEFAULTS.put("proxy-read-timeout", "60");
    }

    private IngressNginx() {
    }

    /** One routed path of one host, with the annotations of the Ingress it came from. */
    record Route(String host, String path, String pathType, boolean tls, JsonNode annotations) {

        /** The nginx {@code location} arguments ingress-nginx makes of the path. */
        List<String> locations() {
            return switch (pathType) {
                case "Exact" -> List.of("= " + path);
                case "Prefix" -> path.endsWith("/") ? List.of(path) : List.of(path + "/", "= " + path);
                case "ImplementationSpecific" -> List.of(path);
                default -> throw new AssertionError("unknown pathType " + pathType + " of " + host + path);
            };
        }

        String annotation(String name) {
            return annotations.path(ANNOTATION + name).asText(DEFAULTS.get(name));
        }
    }

    /** Every host/path pair of {@code ingresses}, in manifest order. */
    static List<Route> routes(List<JsonNode> ingresses) {
        List<Route> routes = new ArrayList<>();
        for (JsonNode ingress : ingresses) {
            JsonNode annotations = ingress.path("metadata").path("annotations");
            List<String> tlsHosts = new ArrayList<>();
            ingress.path("spec").path("tls").forEach(tls -> tls.path("hosts").forEach(host -> tlsHosts.add(host.asText())));
            for (JsonNode rule : ingress.path("spec").path("rules")) {
                String host = rule.path("host").asText();
                for (JsonNode path : rule.path("http").path("paths")) {
                    routes.add(new Route(host, path.path("path").asText(), path.path("pathType").asText(),
                            tlsHosts.contains(host), annotations));
                }
            }
        }
        return routes;
    }

    /** Where nginx listens: {@code http} stands in for port 80, {@code https} for 443. */
    record Ports(int http, int https) {
    }

    /**
     * nginx's configuration for {@code routes}: listening on 127.0.0.1 on {@code ports}, proxying to
     * 127.0.0.1:{@code upstreams}, with its pid, logs and temporary files under {@code prefix}. Hosts an Ingress
     * lists under {@code tls} are served with {@code certificate} (standing in for the Ingress' Secret) and
     * redirected from http to https (308), as ingress-nginx's {@code ssl-redirect} does by default.
     */
    static String configuration(List<Route> routes, Ports ports, List<Integer> upstreams, Path prefix,
            TestCertificate certificate) {
        Path dir = prefix.toAbsolutePath();
        StringBuilder conf = new StringBuilder();
        conf.append("daemon off;\nworker_processes 1;\n");
        if ("root".equals(System.getProperty("user.name"))) {
            conf.append("user root;\n"); // the workers write the temporary directories below, as root made them
        }
        conf.append("pid ").append(dir.resolve("nginx.pid")).append(";\n")
                .append("error_log ").append(dir.resolve("error.log")).append(" warn;\n")
                .append("events { worker_connections 1024; }\n")
                .append("http {\n")
                .append("  access_log ").append(dir.resolve("access.log"))
                .append(" combined;\n");
        for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            conf.append("  ").append(temp).append("_temp_path ").append(dir.resolve("temp").resolve(temp)).append(";\n");
        }
        conf.append("""
                  server_tokens off;
                  keepalive_timeout 75s;
                  keepalive_requests 1000;
                  client_header_buffer_size 1k;
                  large_client_header_buffers 4 8k;
                  client_body_buffer_size 8k;
                  map $http_host $best_http_host { default $http_host; '' $host; }
                  map $http_x_request_id $req_id { default $http_x_request_id; '' $request_id; }
                  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
                  map $scheme $pass_port { https 443; default 80; }
                  upstream upstream_balancer {
                """);
        for (int upstream : upstreams) {
            conf.append("    server 127.0.0.1:").append(upstream).append(" max_fails=0;\n");
        }
        conf.append("""
                    keepalive 320;
                    keepalive_timeout 60s;
                    keepalive_requests 10000;
                  }
                """);
        conf.append("  ssl_certificate ").append(certificate.certificate().toAbsolutePath()).append(";\n")
                .append("  ssl_certificate_key ").append(certificate.key().toAbsolutePath()).append(";\n")
                .append("  server {\n    listen 127.0.0.1:").append(ports.http()).append(" default_server;\n")
                .append("    listen 127.0.0.1:").append(ports.https()).append(" ssl default_server;\n")
                .append("    server_name _;\n    location / { return 404; }\n  }\n");
        Map<String, List<Route>> byHost = new LinkedHashMap<>();
        routes.forEach(route -> byHost.computeIfAbsent(route.host(), host -> new ArrayList<>()).add(route));
        byHost.forEach((host, hostRoutes) -> {
            conf.append("  server {\n    listen 127.0.0.1:").append(ports.http()).append(";\n");
            if (hostRoutes.stream().anyMatch(Route::tls)) {
                conf.append("    listen 127.0.0.1:").append(ports.https()).append(" ssl;\n");
            }
            conf.append("    server_name ").append(host).append(";\n");
            boolean root = false;
            for (Route route : hostRoutes) {
                for (String location : route.locations()) {
                    root |= location.equals("/");
                    conf.append("    location ").append(location).append(" {\n");
                    location(conf, route);
                    conf.append("    }\n");
                }
            }
            if (!root) {
                conf.append("    location / { return 404; }\n"); // the default backend
            }
            conf.append("  }\n");
        });
        conf.append("}\n");
        return conf.toString();
    }

    private static void location(StringBuilder conf, Route route) {
        if (route.tls()) {
            conf.append("      if ($scheme = http) { return 308 https://$best_http_host$request_uri; }\n");
        }
        String ranges = route.annotations().path(ANNOTATION + "whitelist-source-range").asText("");
        for (String range : ranges.split(",")) {
            if (!range.isBlank()) {
                conf.append("      allow ").append(range.trim()).append(";\n");
            }
        }
        if (!ranges.isBlank()) {
            conf.append("      deny all;\n");
        }
        conf.append("      client_max_body_size ").append(route.annotation("proxy-body-size")).append(";\n")
                .append("      proxy_request_buffering ").append(route.annotation("proxy-request-buffering")).append(";\n")
                .append("      proxy_buffering ").append(route.annotation("proxy-buffering")).append(";\n")
                .append("      proxy_connect_timeout ").append(seconds(route.annotation("proxy-connect-timeout"))).append(";\n")
                .append("      proxy_send_timeout ").append(seconds(route.annotation("proxy-send-timeout"))).append(";\n")
                .append("      proxy_read_timeout ").append(seconds(route.annotation("proxy-read-timeout"))).append(";\n")
                .append("""
                              proxy_buffer_size 4k;
                              proxy_buffers 4 4k;
                              proxy_max_temp_file_size 1024m;
                              proxy_http_version 1.1;
                              proxy_set_header Host $best_http_host;
                              proxy_set_header Upgrade $http_upgrade;
                              proxy_set_header Connection $connection_upgrade;
                              proxy_set_header X-Request-ID $req_id;
                              proxy_set_header X-Real-IP $remote_addr;
                              proxy_set_header X-Forwarded-For $remote_addr;
                              proxy_set_header X-Forwarded-Host $best_http_host;
                              proxy_set_header X-Forwarded-Port $pass_port;
                              proxy_set_header X-Forwarded-Proto $scheme;
                              proxy_set_header X-Forwarded-Scheme $scheme;
                              proxy_set_header X-Scheme $scheme;
                              proxy_set_header X-Original-URI $request_uri;
                              proxy_set_header Proxy "";
                              proxy_next_upstream error timeout;
                              proxy_next_upstream_tries 3;
                              proxy_redirect off;
                              proxy_pass http://upstream_balancer;
                        """);
    }

    /** An annotation's timeout (seconds, as ingress-nginx takes them) as an nginx time. */
    private static String seconds(String value) {
        return value.matches("\\d+") ? value + "s" : value;
    }
}

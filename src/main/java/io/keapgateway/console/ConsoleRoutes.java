package io.keapgateway.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Serves the operator's console: {@code /console} (the page), its script and style sheet, and {@code /}
 * redirecting to it. The files are plain HTML, CSS and JavaScript read once from the class path (next to this class, listed in
 * {@code quarkus.native.resources.includes}); the page
 * talks only to the admin API of the same origin. Every answer carries the console's security headers.
 */
@ApplicationScoped
class ConsoleRoutes {

    /** Only our own files: no inline script or style, no framing, no plugins, no base or form tricks. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /** Served path, file, content type. */
    private record Asset(String file, String contentType) {
    }

    private static final Map<String, Asset> ASSETS = Map.of(
            "/console", new Asset("index.html", "text/html; charset=utf-8"),
            "/console/console.js", new Asset("console.js", "text/javascript; charset=utf-8"),
            "/console/console.css", new Asset("console.css", "text/css; charset=utf-8"),
            "/console/icon.svg", new Asset("icon.svg", "image/svg+xml"),
            // Browsers ask for it on every page of the origin (the OAuth callback page too).
            "/favicon.ico", new Asset("icon.svg", "image/svg+xml"));

    void register(@Observes Router router) {
        router.route("/").order(-800).method(HttpMethod.GET).method(HttpMethod.HEAD)
                .handler(context -> secured(context.response()).setStatusCode(302)
                        .putHeader("Location", "/console").end());
        ASSETS.forEach((path, asset) -> {
            Buffer body = Buffer.buffer(read(asset.file()));
            router.route(path).order(-800).method(HttpMethod.GET).method(HttpMethod.HEAD)
                    .handler(context -> serve(context, asset, body));
        });
    }

    private static void serve(RoutingContext context, Asset asset, Buffer body) {
        HttpServerResponse response = secured(context.response()).putHeader("Content-Type", asset.contentType());
        if (context.request().method() == HttpMethod.HEAD) {
            response.putHeader("Content-Length", Integer.toString(body.length())).end();
        } else {
            response.end(body);
        }
    }

    /** The console's headers; {@code no-store} so that no browser or proxy keeps an old page or script. */
    static HttpServerResponse secured(HttpServerResponse response) {
        return response.putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cache-Control", "no-store");
    }

    private static byte[] read(String file) {
        try (InputStream in = ConsoleRoutes.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("the console file " + file + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.keapgateway.admin;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.net.URI;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * What the admin API tells and refuses browsers. It offers no CORS, so a page of another origin cannot read
 * its answers; beyond that, a call whose {@code Origin} is not the gateway's own (its public URL, or the
 * host the call was sent to) is refused before anything else, so another site cannot even make one. Every
 * admin answer is {@code no-store}, {@code nosniff} and {@code no-referrer}: it may hold keys and tokens.
 */
class BrowserPolicy {

    private final String publicOrigin;

    BrowserPolicy(GatewayConfig config) {
        this.publicOrigin = origin(config.publicUrl());
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100)
    void refuseOtherOrigins(ContainerRequestContext request) {
        String origin = request.getHeaderString("Origin");
        if (origin == null || !isAdmin(request.getUriInfo().getPath())) {
            return; // not sent by a browser page, or not the admin API
        }
        String host = request.getHeaderString("Host");
        if (!origin.equals(publicOrigin) && (host == null || !authority(origin).equalsIgnoreCase(host))) {
            throw new GatewayException(ErrorCode.CROSS_ORIGIN,
                    "The admin API answers only the gateway's own console, not pages of other sites.");
        }
    }

    @ServerResponseFilter
    void neverKept(ContainerRequestContext request, ContainerResponseContext response) {
        if (isAdmin(request.getUriInfo().getPath())) {
            response.getHeaders().putSingle("Cache-Control", "no-store");
            response.getHeaders().putSingle("X-Content-Type-Options", "nosniff");
            response.getHeaders().putSingle("Referrer-Policy", "no-referrer");
        }
    }

    private static boolean isAdmin(String path) {
        return path.equals("/admin") || path.startsWith("/admin/");
    }

    /** {@code scheme://host[:port]}, as browsers send it in {@code Origin}. */
    private static String origin(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    /** The {@code host[:port]} of an origin ({@code null} origins and junk answer an empty string). */
    private static String authority(String origin) {
        int start = origin.indexOf("://");
        return start < 0 ? "" : origin.substring(start + 3);
    }
}

package io.keapgateway.admin;

import io.keapgateway.token.OAuthStates;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;

/**
 * {@code GET /oauth/start?state=…}: the {@code start_url} of {@code POST /admin/connections/{name}/authorize}.
 * Usable once: binds the state to the browser that opens it (a cookie only the gateway can make, sent only to
 * the callback) and redirects that browser to Keap's authorize page. No admin token: a browser cannot send it.
 */
@Path(OAuthStates.START_PATH)
public class OAuthStartResource {

    private final OAuthStates states;

    OAuthStartResource(OAuthStates states) {
        this.states = states;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response start(@QueryParam("state") String state) {
        return states.start(state)
                .map(authorizeUrl -> Response.status(302).location(URI.create(authorizeUrl))
                        .header("Set-Cookie", OAuthStates.COOKIE + "=" + states.browserBinding(state)
                                + states.cookieAttributes(states.ttl()))
                        .header("Cache-Control", "no-store")
                        .header("Referrer-Policy", "no-referrer")
                        .build())
                .orElseGet(() -> OAuthCallbackResource.page(400, CallbackPage.startUsed()));
    }
}

package io.keapgateway.admin;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /oauth/result/{id}}: how an OAuth callback ended, as often as the page is opened, for
 * {@code oauth.result-page-ttl}. Public like the callback (the id is random and the page holds no secret).
 */
@Path("/oauth/" + CallbackResults.PATH + "/{id}")
public class OAuthResultResource {

    private final CallbackResults results;

    OAuthResultResource(CallbackResults results) {
        this.results = results;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response result(@PathParam("id") String id) {
        return results.find(id).map(result -> OAuthCallbackResource.page(result.status(), result.html()))
                .orElseGet(() -> OAuthCallbackResource.page(404, CallbackPage.sendingBackTo(CallbackPage.expired(), null)));
    }
}

package io.keapgateway.admin;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.ConnectionRegistry;
import io.keapgateway.connection.Mode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.keap.TokenEndpointException;
import io.keapgateway.token.ConnectFlows;
import io.keapgateway.token.OAuthStates;
import io.keapgateway.token.TokenStatus;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@code GET /oauth/callback}: where Keap sends the operator's browser back. Outside {@code /admin}, so no
 * admin token: the single-use {@code state} made by {@code POST /admin/connections/{name}/authorize}
 * authorises it, together with the cookie that {@code /oauth/start} set in the browser that started the flow
 * (a state without it is refused and stays usable). Answers a small HTML page, whatever happens.
 */
@Path(OAuthStates.CALLBACK_PATH)
public class OAuthCallbackResource {

    private static final Logger LOG = Logger.getLogger(OAuthCallbackResource.class);

    private final OAuthStates states;
    private final ConnectFlows flows;
    private final ConnectionRegistry registry;

    OAuthCallbackResource(OAuthStates states, ConnectFlows flows, ConnectionRegistry registry) {
        this.states = states;
        this.flows = flows;
        this.registry = registry;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response callback(@QueryParam("code") String code, @QueryParam("state") String state,
            @QueryParam("error") String error, @QueryParam("error_description") String errorDescription,
            @CookieParam(OAuthStates.COOKIE) String binding, HttpServerRequest request) {
        if (state != null && !states.boundTo(state, binding)) {
            return page(400, CallbackPage.otherBrowser());
        }
        Response answer = complete(state, code, error, errorDescription, request);
        // The state is used up whatever happened: the cookie has done its job.
        return Response.fromResponse(answer)
                .header("Set-Cookie", OAuthStates.COOKIE + "=" + states.cookieAttributes(java.time.Duration.ZERO))
                .build();
    }

    private Response complete(String state, String code, String error, String errorDescription,
            HttpServerRequest request) {
        Optional<OAuthStates.Pending> pending = states.take(state);
        if (pending.isEmpty()) {
            return page(400, CallbackPage.unknownState());
        }
        String name = pending.get().connection();
        if (error != null) {
            return page(400, CallbackPage.declined(name, error, errorDescription));
        }
        if (code == null || code.isBlank()) {
            return page(400, CallbackPage.missingCode(name));
        }
        Optional<Connection> connection = registry.find(name).filter(c -> c.mode() == Mode.oauth);
        if (connection.isEmpty()) {
            return page(404, CallbackPage.unknownConnection(name));
        }
        try {
            TokenStatus connected = flows.connectWithCode(connection.get(), code, pending.get().redirectUri(),
                    Actor.of(request), "authorize");
            return page(200, CallbackPage.connected(name, connected.tenant()));
        } catch (TokenEndpointException refused) {
            LOG.warnf("The OAuth callback of connection %s failed: Keap refused the code: %s", name, refused.getMessage());
            return page(refused.temporary() ? 502 : 400, CallbackPage.refused(name, refused, pending.get().redirectUri()));
        } catch (GatewayException e) {
            // The code is used up either way; the page says what goes on, never "nothing was changed".
            LOG.errorf("The OAuth callback of connection %s did not complete: %s", name, e.getMessage());
            return switch (e.code()) {
                case STORE_UNAVAILABLE -> page(503, CallbackPage.savingRetried(name));
                case UPSTREAM_TIMEOUT -> page(504, CallbackPage.keapStillAnswering(name));
                default -> page(e.status(), CallbackPage.failed(name));
            };
        } catch (RuntimeException e) {
            LOG.errorf("The OAuth callback of connection %s failed: %s", name, e.getMessage());
            return page(500, CallbackPage.failed(name));
        }
    }

    static Response page(int status, String html) {
        return Response.status(status)
                .type("text/html; charset=utf-8")
                .header("Cache-Control", "no-store")
                // The page's own URL carries the code: keep it out of Referer headers.
                .header("Referrer-Policy", "no-referrer")
                // Never framed: the page must not be dressed up by another site (review L-h).
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
                .header("X-Frame-Options", "DENY")
                .header("X-Content-Type-Options", "nosniff")
                .entity(html)
                .build();
    }
}

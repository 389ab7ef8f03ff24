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
 * (a state without it is refused and stays usable). Whatever happens, the browser is redirected to a small
 * HTML page that says so ({@link OAuthResultResource}).
 */
@Path(OAuthStates.CALLBACK_PATH)
public class OAuthCallbackResource {

    private static final Logger LOG = Logger.getLogger(OAuthCallbackResource.class);

    private final OAuthStates states;
    private final ConnectFlows flows;
    private final ConnectionRegistry registry;
    private final CallbackResults results;

    OAuthCallbackResource(OAuthStates states, ConnectFlows flows, ConnectionRegistry registry, CallbackResults results) {
        this.states = states;
        this.flows = flows;
        this.registry = registry;
        this.results = results;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response callback(@QueryParam("code") String code, @QueryParam("state") String state,
            @QueryParam("error") String error, @QueryParam("error_description") String errorDescription,
            @CookieParam(OAuthStates.COOKIE) String binding, HttpServerRequest request) {
        if (state != null && !states.boundTo(state, binding)) {
            return show(new CallbackResults.Result(400, CallbackPage.sendingBackTo(CallbackPage.otherBrowser(), null)));
        }
        Optional<OAuthStates.Pending> pending = states.take(state);
        CallbackResults.Result result = pending.map(issued -> complete(issued, code, error, errorDescription, request))
                .orElseGet(() -> new CallbackResults.Result(400, CallbackPage.unknownState()));
        String console = pending.map(OAuthStates.Pending::consoleUrl).orElse(null);
        CallbackResults.Result shown = new CallbackResults.Result(result.status(),
                CallbackPage.sendingBackTo(result.html(), console));
        // The state is used up whatever happened: the cookie has done its job.
        return Response.fromResponse(show(shown))
                .header("Set-Cookie", OAuthStates.COOKIE + "=" + states.cookieAttributes(java.time.Duration.ZERO))
                .build();
    }

    /**
     * Post/redirect/get: the browser is sent (303) to the result's own page, relative to the callback's URL
     * ({@code /oauth/result/{id}}), so that a reload shows the result again instead of replaying the code.
     * When the store cannot keep it, the page is answered here.
     */
    private Response show(CallbackResults.Result result) {
        return results.keep(result)
                .map(id -> Response.status(303).header("Location", CallbackResults.PATH + "/" + id)
                        .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer").build())
                .orElseGet(() -> page(result.status(), result.html()));
    }

    /** Exchanges the code of a state issued for {@code pending}; how that ended. */
    private CallbackResults.Result complete(OAuthStates.Pending pending, String code, String error,
            String errorDescription, HttpServerRequest request) {
        String name = pending.connection();
        if (error != null) {
            return result(400, CallbackPage.declined(name, error, errorDescription));
        }
        if (code == null || code.isBlank()) {
            return result(400, CallbackPage.missingCode(name));
        }
        Optional<Connection> connection = registry.find(name).filter(c -> c.mode() == Mode.oauth);
        if (connection.isEmpty()) {
            return result(404, CallbackPage.unknownConnection(name));
        }
        try {
            TokenStatus connected = flows.connectWithCode(connection.get(), code, pending.redirectUri(),
                    Actor.of(request), "authorize");
            return result(200, CallbackPage.connected(name, connected.tenant()));
        } catch (TokenEndpointException refused) {
            LOG.warnf("The OAuth callback of connection %s failed: Keap refused the code: %s", name, refused.getMessage());
            return result(refused.temporary() ? 502 : 400, CallbackPage.refused(name, refused, pending.redirectUri()));
        } catch (GatewayException e) {
            // The code is used up either way; the page says what goes on, never "nothing was changed".
            LOG.errorf("The OAuth callback of connection %s did not complete: %s", name, e.getMessage());
            return switch (e.code()) {
                case STORE_UNAVAILABLE -> result(503, CallbackPage.savingRetried(name));
                case UPSTREAM_TIMEOUT -> result(504, CallbackPage.keapStillAnswering(name));
                default -> result(e.status(), CallbackPage.failed(name));
            };
        } catch (RuntimeException e) {
            LOG.errorf("The OAuth callback of connection %s failed: %s", name, e.getMessage());
            return result(500, CallbackPage.failed(name));
        }
    }

    private static CallbackResults.Result result(int status, String html) {
        return new CallbackResults.Result(status, html);
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

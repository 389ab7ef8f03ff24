package io.keapgateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.error.Problem;
import io.keapgateway.store.StoreUnavailable;
import io.keapgateway.store.StoreUnreadable;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps every failure of the admin API and the OAuth callback to problem+json, in one place. */
class AdminErrors {

    private static final Logger LOG = Logger.getLogger(AdminErrors.class);

    @ServerExceptionMapper
    Response gatewayError(GatewayException error, HttpServerRequest request) {
        Response.ResponseBuilder response = Response.status(error.code().status())
                .type(Problem.MEDIA_TYPE)
                .entity(Problem.of(error.code(), error.detail(), requestId(request)));
        error.headers().forEach(response::header);
        return response.build();
    }

    /**
     * Every admin change is one store write (or none), so a store that fails has applied nothing; a write
     * that timed out is settled first (RedisStore.catalogPut), and only when that fails too is the answer
     * "may have been applied".
     */
    @ServerExceptionMapper
    Response storeUnavailable(StoreUnavailable error, HttpServerRequest request) {
        LOG.warnf("%s %s: %s", request.method(), request.path(), error.getMessage());
        if (error.mayHaveApplied()) {
            // A write that timed out, and the store did not tell afterwards whether it landed (review L-i).
            return gatewayError(new GatewayException(ErrorCode.STORE_UNAVAILABLE, "The store (Redis) did not"
                    + " answer in time; the change may have been applied. Read the object before trying again."),
                    request);
        }
        return gatewayError(new GatewayException(ErrorCode.STORE_UNAVAILABLE,
                "The store (Redis) does not answer; nothing was changed. Try again shortly."), request);
    }

    /** Names the record in the log (the path holds its id), never its contents. */
    @ServerExceptionMapper
    Response storeUnreadable(StoreUnreadable error, HttpServerRequest request) {
        LOG.errorf("%s %s: %s", request.method(), request.path(), error.getMessage());
        return gatewayError(new GatewayException(ErrorCode.STORE_UNREADABLE, "A stored record could not be read"
                + " (written by another version of the gateway, or damaged); nothing was changed."), request);
    }

    @ServerExceptionMapper
    Response unreadableJson(JsonProcessingException error, HttpServerRequest request) {
        return gatewayError(new GatewayException(ErrorCode.BAD_REQUEST, "The body is not valid JSON."), request);
    }

    @ServerExceptionMapper
    Response webError(WebApplicationException error, HttpServerRequest request) {
        int status = error.getResponse().getStatus();
        ErrorCode code = switch (status) {
            case 404, 405 -> ErrorCode.NOT_FOUND;
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415, 422 -> ErrorCode.VALIDATION_FAILED;
            default -> ErrorCode.BAD_REQUEST;
        };
        String detail = status == 405 ? "This method is not available here." : code.title() + ".";
        return gatewayError(new GatewayException(code, detail), request);
    }

    /** Set on every response by the request guard. */
    static String requestId(HttpServerRequest request) {
        return request.response().headers().get("X-Request-Id");
    }
}

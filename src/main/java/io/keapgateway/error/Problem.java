package io.keapgateway.error;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** An RFC 9457 problem document with the gateway's {@code code} and {@code request_id} members. */
@RegisterForReflection
public record Problem(String type, String title, int status, String detail, String code, String request_id) {

    /** The media type of every gateway error. */
    public static final String MEDIA_TYPE = "application/problem+json";

    public static Problem of(ErrorCode code, String detail, String requestId) {
        return new Problem(code.type(), code.title(), code.status(), detail, code.code(), requestId);
    }

    /** The problem answering {@code error}, with its status. */
    public static Problem of(GatewayException error, String requestId) {
        ErrorCode code = error.code();
        return new Problem(code.type(), code.title(), error.status(), error.detail(), code.code(), requestId);
    }
}

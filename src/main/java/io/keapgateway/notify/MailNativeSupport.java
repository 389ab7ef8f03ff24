package io.keapgateway.notify;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What Vert.x's mail client needs in a native image, as quarkus-mailer registers it: the SASL mechanisms it
 * creates by reflection for SMTP login. Its NTLM engine, which holds a SecureRandom in a static field, is
 * initialised at run time ({@code quarkus.native.additional-build-args} in application.properties).
 */
@RegisterForReflection(classNames = {
        "io.vertx.ext.mail.impl.sasl.AuthCram",
        "io.vertx.ext.mail.impl.sasl.AuthDigest",
        "io.vertx.ext.mail.impl.sasl.AuthLogin",
        "io.vertx.ext.mail.impl.sasl.AuthPlain" })
final class MailNativeSupport {

    private MailNativeSupport() {
    }
}

package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.mail.MailClient;
import java.util.List;

/**
 * Sends each message as a plain-text e-mail through Vert.x's mail client, the client Quarkus' mailer is built on
 * (the mailer itself brings Qute, whose dev-mode debugger this project's Maven mirror does not serve, so
 * {@code quarkus:dev} could not start). The SMTP server taking the message is a delivery.
 */
final class MailChannel implements Channel {

    private final MailClient client;
    private final String from;
    private final List<String> to;

    MailChannel(Vertx vertx, GatewayConfig.Notify.Email email, List<String> to) {
        MailConfig config = new MailConfig().setHostname(email.host()).setPort(email.port()).setSsl(email.tls())
                .setStarttls(StartTLSOptions.valueOf(email.startTls().name()));
        email.username().ifPresent(user -> config.setUsername(user).setPassword(email.password().orElse(""))
                .setLogin(LoginOption.REQUIRED));
        this.client = MailClient.createShared(vertx, config, "keap-gateway-notify");
        this.from = email.from().orElseThrow();
        this.to = List.copyOf(to);
    }

    @Override
    public String name() {
        return "email";
    }

    @Override
    public Uni<Void> send(Notice notice) {
        MailMessage mail = new MailMessage().setFrom(from).setTo(to).setSubject(subject(notice)).setText(text(notice));
        return client.sendMail(mail).replaceWithVoid();
    }

    @Override
    public String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + abbreviate(message));
    }

    List<String> recipients() {
        return to;
    }

    static String subject(Notice notice) {
        return "[Keap Gateway] " + (notice.status() == Notice.Status.RESOLVED ? "Resolved: " : "")
                + notice.words().title();
    }

    static String text(Notice notice) {
        return notice.words().happened() + "\n\nWhat to do: " + notice.words().whatToDo()
                + "\n\nConsole: " + notice.consoleUrl()
                + "\n\n-- \nKeap Gateway, event " + notice.event().wireName() + " (" + notice.status().wireName()
                + "), id " + notice.id() + ", at " + notice.at() + "\n";
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}

package io.keapgateway.notify;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * Sends each message as a plain-text e-mail through Quarkus' mailer (its SMTP settings are Quarkus' own,
 * {@code QUARKUS_MAILER_*}). The SMTP server taking the message is a delivery.
 */
final class MailChannel implements Channel {

    private final ReactiveMailer mailer;
    private final List<String> to;

    MailChannel(ReactiveMailer mailer, List<String> to) {
        this.mailer = mailer;
        this.to = List.copyOf(to);
    }

    @Override
    public String name() {
        return "email";
    }

    @Override
    public Uni<Void> send(Notice notice) {
        Mail mail = new Mail().setTo(to).setSubject(subject(notice)).setText(text(notice));
        return mailer.send(mail);
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

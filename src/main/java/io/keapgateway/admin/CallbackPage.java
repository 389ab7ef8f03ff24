package io.keapgateway.admin;

import io.keapgateway.keap.TokenEndpointException;

/**
 * The small HTML pages the OAuth callback answers the operator's browser with: what happened, and what to do
 * next. Every value put into a page is HTML-escaped; only the fixed markup here is not.
 */
final class CallbackPage {

    /** Where {@link #sendingBackTo} puts the way back to the console. */
    private static final String BACK = "<!-- back -->\n";

    private CallbackPage() {
    }

    static String connected(String connection, String tenant) {
        return page("Connected", p("The Keap account (tenant) " + code(tenant == null ? "(not named by Keap)" : tenant)
                + " is now connected to the gateway through the connection " + code(connection) + "."),
                p("The gateway holds and refreshes the tokens from now on. You can close this page."));
    }

    static String unknownState() {
        return page("This authorization link is no longer valid",
                p("The link was already used, has expired (it is valid for 10 minutes, once), or was not made by this "
                        + "gateway. Nothing was changed."),
                p("Start again: " + code("POST /admin/connections/{name}/authorize") + " and open the new "
                        + code("start_url") + "."));
    }

    static String otherBrowser() {
        return page("This browser did not start this authorization",
                p("The callback arrived without the cookie that the gateway sets in the browser that opens the "
                        + code("start_url") + ", so it was refused: someone may have opened a copied "
                        + code("authorize_url") + ". Nothing was changed."),
                p("Open the " + code("start_url") + " from the answer of "
                        + code("POST /admin/connections/{name}/authorize") + " in this browser (not the "
                        + code("authorize_url") + " itself), and allow the cookie."));
    }

    static String startUsed() {
        return page("This start link is no longer valid",
                p("A start link works once, within 10 minutes: it was already opened (perhaps in another browser) "
                        + "or has expired. Nothing was changed."),
                p("Start again: " + code("POST /admin/connections/{name}/authorize") + " and open the new "
                        + code("start_url") + "."));
    }

    static String declined(String connection, String error, String description) {
        return page("Keap did not authorize the connection",
                p("Keap answered " + code(error) + (description == null ? "" : ": " + escape(description)) + "."),
                p("Nothing was changed. To try again: " + code("POST /admin/connections/" + connection + "/authorize")
                        + " and open the new " + code("start_url") + "."));
    }

    static String missingCode(String connection) {
        return page("Keap sent no authorization code",
                p("Nothing was changed. Start again: " + code("POST /admin/connections/" + connection + "/authorize") + "."));
    }

    static String unknownConnection(String connection) {
        return page("The connection no longer exists",
                p("The connection " + code(connection) + " was removed or changed to an api key after this "
                        + "authorization was started. Nothing was changed."));
    }

    static String refused(String connection, TokenEndpointException refused, String redirectUri) {
        String advice;
        if (refused.redirectUriRejected()) {
            advice = "Keap did not accept the redirect URI. In the Keap developer app, the redirect (callback) URL must be "
                    + "exactly " + code(redirectUri) + ". If people reach the gateway at another address, set "
                    + code("KEAP_GATEWAY_PUBLIC_URL") + " to it.";
        } else if (refused.invalidClient()) {
            advice = "Keap does not accept the connection's client id and secret; correct them with "
                    + code("PUT /admin/connections/" + connection) + ".";
        } else if (refused.temporary()) {
            advice = "Keap's token endpoint could not be reached or failed; try again in a moment.";
        } else {
            advice = "The code was used already or has expired.";
        }
        return page("The connection could not be completed",
                p("Keap refused to exchange the authorization code: " + code(refused.getMessage()) + "."),
                p(advice),
                p("Then start again: " + code("POST /admin/connections/" + connection + "/authorize") + "."));
    }

    static String savingRetried(String connection) {
        return page("Connected, but not saved yet",
                p("Keap exchanged the code, but the gateway's store did not answer. The new tokens are used from "
                        + "memory, and saving them is being retried until the store answers."),
                p("Check " + code("GET /admin/connections/" + connection) + " in a moment. Forgetting the tokens "
                        + "meanwhile still wins over this save."));
    }

    static String keapStillAnswering(String connection) {
        return page("Keap has not answered yet",
                p("The code was sent to Keap, which has not answered yet. If Keap issues the tokens, the gateway "
                        + "keeps and saves them."),
                p("Check " + code("GET /admin/connections/" + connection) + " in a moment; if it is still not "
                        + "connected, start again: " + code("POST /admin/connections/" + connection + "/authorize")
                        + "."));
    }

    static String failed(String connection) {
        return page("The connection could not be completed",
                p("The gateway could not save the tokens (its store did not answer). Nothing was changed."),
                p("Try again in a moment: " + code("POST /admin/connections/" + connection + "/authorize") + "."));
    }

    static String expired() {
        return page("This result is no longer shown",
                p("A result page is kept for an hour after the authorization. The connection's status is in the "
                        + "console, and in " + code("GET /admin/connections/{name}") + "."));
    }

    /**
     * {@code html} with a link back to the console that started the flow ({@code consoleUrl}, or null when
     * none did, e.g. a flow started with curl: then a pointer to where the status is shown).
     */
    static String sendingBackTo(String html, String consoleUrl) {
        String back = consoleUrl == null ? p("The connection's status is in the gateway's console.")
                : "<p><a href=\"" + escape(consoleUrl) + "\">Back to the console</a></p>\n";
        return html.replace(BACK, back);
    }

    /** Escapes the five characters that matter in HTML text and attribute values. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String code(String text) {
        return "<code>" + escape(text) + "</code>";
    }

    /** A paragraph of markup built only from fixed text, {@link #code} and {@link #escape}. */
    private static String p(String markup) {
        return "<p>" + markup + "</p>\n";
    }

    private static String page(String title, String... paragraphs) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>Keap Gateway: " + escape(title) + "</title>\n"
                + "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5}"
                + "code{background:#f2f2f2;padding:0 .2em;word-break:break-all}</style>\n"
                + "</head>\n<body>\n<h1>" + escape(title) + "</h1>\n" + String.join("", paragraphs)
                + BACK + "</body>\n</html>\n";
    }
}

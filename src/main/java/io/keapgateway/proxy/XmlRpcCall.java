package io.keapgateway.proxy;

import io.keapgateway.auth.KeyFormat;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import java.io.ByteArrayInputStream;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * What the gateway needs from an XML-RPC method call: its method name and its first parameter when that
 * is a string (where old XML-RPC libraries and SDKs put the key). Read with the JDK's streaming parser,
 * with DTDs and external entities off; a document that declares a DTD or is not well-formed is refused.
 * The call must look like what it is: exactly one {@code methodName}, directly inside {@code /methodCall},
 * and no gateway key in any text or attribute other than the first parameter (which the gateway replaces).
 * The walk is bounded ({@link Limits}): depth, element count, text length and time, so a hostile body costs
 * at most a few milliseconds, and the element path is kept as names per level, never rebuilt as a string.
 *
 * @param methodName e.g. {@code ContactService.load}
 * @param firstString the first parameter if it is a string ({@code <string>} or an untyped value), else null
 */
record XmlRpcCall(String methodName, String firstString) {

    /**
     * Caps on one parse.
     *
     * @param maxDepth deepest element nesting ({@code methodCall} is depth 1)
     * @param maxElements most elements in the document
     * @param maxText longest text of one element (characters)
     * @param budgetNanos longest time the parse may take
     */
    record Limits(int maxDepth, int maxElements, int maxText, long budgetNanos) {
        /** Generous caps, for tests and for the second look at a body already parsed under the configured ones. */
        static final Limits LENIENT = new Limits(64, 1_000_000, Integer.MAX_VALUE, 60_000_000_000L);
    }

    /** Parses a whole method call; throws bad_request for anything that is not one. */
    static XmlRpcCall parse(byte[] body) {
        return parse(body, Limits.LENIENT);
    }

    /** Parses a whole method call within {@code limits}; throws bad_request for anything that is not one. */
    static XmlRpcCall parse(byte[] body, Limits limits) {
        try {
            XMLStreamReader reader = factory().createXMLStreamReader(new ByteArrayInputStream(body));
            try {
                return new Walk(reader, limits).read();
            } finally {
                reader.close();
            }
        } catch (GatewayException refused) {
            throw refused;
        } catch (XMLStreamException | RuntimeException e) {
            throw bad("The body is not a well-formed XML-RPC method call.");
        }
    }

    /** A new factory each time: factories are cheap, and not documented as thread-safe to configure. */
    private static XMLInputFactory factory() {
        XMLInputFactory factory = XMLInputFactory.newDefaultFactory(); // the JDK's own, also in a native image
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        return factory;
    }

    /** One walk through a document: the open elements' names by depth, and the text of the innermost one. */
    private static final class Walk {
        private static final int CLOCK_EVERY = 256; // events between two looks at the clock

        private final XMLStreamReader reader;
        private final Limits limits;
        private final long deadline;
        private final String[] open;
        private final StringBuilder text = new StringBuilder();
        private final Param first = new Param();
        private int depth;
        private int elements;
        private int events;
        private String methodName;

        Walk(XMLStreamReader reader, Limits limits) {
            this.reader = reader;
            this.limits = limits;
            this.deadline = System.nanoTime() + limits.budgetNanos();
            this.open = new String[limits.maxDepth() + 1];
        }

        XmlRpcCall read() throws XMLStreamException {
            while (reader.hasNext()) {
                int event = reader.next();
                if (++events % CLOCK_EVERY == 0 && System.nanoTime() - deadline > 0) {
                    throw bad("The XML-RPC call took too long to read.");
                }
                switch (event) {
                    case XMLStreamConstants.DTD, XMLStreamConstants.ENTITY_REFERENCE ->
                            throw bad("XML-RPC calls may not declare a DTD or use entities.");
                    case XMLStreamConstants.START_ELEMENT -> start();
                    case XMLStreamConstants.END_ELEMENT -> end();
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                        if (text.length() + reader.getTextLength() > limits.maxText()) {
                            throw bad("A text in the XML-RPC call is longer than the gateway accepts.");
                        }
                        text.append(reader.getTextCharacters(), reader.getTextStart(), reader.getTextLength());
                    }
                    default -> {
                        // comments and processing instructions carry nothing the gateway needs (a key in one
                        // is found in the bytes: XmlRpcBody)
                    }
                }
            }
            if (methodName == null || methodName.isEmpty()) {
                throw bad("The XML-RPC call has no <methodName>.");
            }
            return new XmlRpcCall(methodName, first.string());
        }

        private void start() {
            textEnds();
            if (++depth > limits.maxDepth()) {
                throw bad("The XML-RPC call is nested deeper than the gateway accepts (" + limits.maxDepth() + ").");
            }
            if (++elements > limits.maxElements()) {
                throw bad("The XML-RPC call has more elements than the gateway accepts (" + limits.maxElements() + ").");
            }
            String name = reader.getLocalName();
            open[depth] = name;
            if (depth == 1 && !name.equals("methodCall")) {
                throw bad("An XML-RPC call is a <methodCall>.");
            }
            if (depth > 1 && open[depth - 1].equals("methodName")) {
                throw bad("<methodName> holds text only.");
            }
            if (name.equals("methodName") && (depth != 2 || methodName != null)) {
                throw bad("An XML-RPC call has exactly one <methodName>, directly inside <methodCall>.");
            }
            for (int i = 0; i < reader.getAttributeCount(); i++) {
                refuseKeyIn(reader.getAttributeValue(i));
            }
            first.start(open, depth);
        }

        private void end() {
            if (depth == 2 && open[2].equals("methodName")) {
                methodName = text.toString().trim();
                text.setLength(0);
            } else {
                textEnds();
            }
            depth--;
        }

        /** The text since the last tag belongs to the innermost open element; only the first parameter may hold a key. */
        private void textEnds() {
            if (text.isEmpty()) {
                return;
            }
            if (!first.text(open, depth, text)) {
                refuseKeyIn(text);
            }
            text.setLength(0);
        }
    }

    /** The first {@code <param>}'s value, collected while the document streams by. */
    private static final class Param {
        private int params;
        private boolean typed;
        private boolean string;
        private final StringBuilder text = new StringBuilder();

        /** {@code open[1..depth]} are the open elements, the one just started last. */
        void start(String[] open, int depth) {
            if (depth == 3 && open[3].equals("param") && open[2].equals("params")) {
                params++;
            } else if (depth == 5 && inFirstValue(open)) {
                typed = true;
                string = open[5].equals("string");
                text.setLength(0); // whitespace before the type element is not part of the value
            }
        }

        /** Takes text that is part of the first parameter's value; false for any other text. */
        boolean text(String[] open, int depth, CharSequence characters) {
            boolean untypedText = depth == 4 && inFirstValue(open) && !typed;
            boolean stringText = depth == 5 && inFirstValue(open) && string;
            if (untypedText || stringText) {
                text.append(characters);
                return true;
            }
            return depth == 4 && inFirstValue(open) && characters.toString().isBlank();
        }

        private boolean inFirstValue(String[] open) {
            return params == 1 && open[2].equals("params") && open[3].equals("param") && open[4].equals("value");
        }

        /** The first parameter if it is a string: {@code <string>}, or a value with no type element. */
        String string() {
            if (params == 0 || (typed && !string)) {
                return null;
            }
            String value = typed ? text.toString() : text.toString().trim();
            if (value.contains(KEY_PREFIX) && !KeyFormat.looksLikeKey(value.trim())) {
                throw keyElsewhere();
            }
            return value;
        }
    }

    /** What every gateway key starts with ({@link KeyFormat}). */
    static final String KEY_PREFIX = "kgw_";

    private static void refuseKeyIn(CharSequence text) {
        if (text.toString().contains(KEY_PREFIX)) {
            throw keyElsewhere();
        }
    }

    static GatewayException keyElsewhere() {
        return bad("A gateway key may be sent in an XML-RPC call only as its first parameter; the gateway never "
                + "forwards one to Keap.");
    }

    private static GatewayException bad(String detail) {
        return new GatewayException(ErrorCode.BAD_REQUEST, detail);
    }
}

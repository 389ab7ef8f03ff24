package io.keapgateway.proxy;

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
 *
 * @param methodName e.g. {@code ContactService.load}
 * @param firstString the first parameter if it is a string ({@code <string>} or an untyped value), else null
 */
record XmlRpcCall(String methodName, String firstString) {

    /** Parses a whole method call; throws bad_request for anything that is not one. */
    static XmlRpcCall parse(byte[] body) {
        try {
            XMLStreamReader reader = factory().createXMLStreamReader(new ByteArrayInputStream(body));
            try {
                return read(reader);
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

    /** Walks the whole document (so that it is known to be well-formed), noting what the gateway needs. */
    private static XmlRpcCall read(XMLStreamReader reader) throws XMLStreamException {
        String methodName = null;
        Param first = new Param();
        String path = "";
        while (reader.hasNext()) {
            int event = reader.next();
            switch (event) {
                case XMLStreamConstants.DTD, XMLStreamConstants.ENTITY_REFERENCE ->
                        throw bad("XML-RPC calls may not declare a DTD or use entities.");
                case XMLStreamConstants.START_ELEMENT -> {
                    path = path + "/" + reader.getLocalName();
                    first.start(path);
                    if (path.equals("/methodCall/methodName")) {
                        methodName = reader.getElementText().trim();
                        path = path.substring(0, path.lastIndexOf('/'));
                    }
                }
                case XMLStreamConstants.END_ELEMENT -> path = path.substring(0, path.lastIndexOf('/'));
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> first.text(path, reader.getText());
                default -> {
                    // comments, processing instructions and whitespace carry nothing the gateway needs
                }
            }
        }
        if (methodName == null || methodName.isEmpty()) {
            throw bad("The XML-RPC call has no <methodName>.");
        }
        return new XmlRpcCall(methodName, first.string());
    }

    /** The first {@code <param>}'s value, collected while the document streams by. */
    private static final class Param {
        private static final String VALUE = "/methodCall/params/param/value";

        private int params;
        private boolean typed;
        private boolean string;
        private final StringBuilder text = new StringBuilder();

        void start(String path) {
            if (path.equals("/methodCall/params/param")) {
                params++;
            } else if (params == 1 && path.startsWith(VALUE + "/") && path.indexOf('/', VALUE.length() + 1) < 0) {
                typed = true;
                string = path.equals(VALUE + "/string");
                text.setLength(0); // whitespace before the type element is not part of the value
            }
        }

        void text(String path, String characters) {
            boolean untypedText = path.equals(VALUE) && !typed;
            if (params == 1 && (untypedText || (string && path.equals(VALUE + "/string")))) {
                text.append(characters);
            }
        }

        /** The first parameter if it is a string: {@code <string>}, or a value with no type element. */
        String string() {
            if (params == 0 || (typed && !string)) {
                return null;
            }
            return typed ? text.toString() : text.toString().trim();
        }
    }

    private static GatewayException bad(String detail) {
        return new GatewayException(ErrorCode.BAD_REQUEST, detail);
    }
}

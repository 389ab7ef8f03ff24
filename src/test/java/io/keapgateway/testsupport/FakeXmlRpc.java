package io.keapgateway.testsupport;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Keap's XML-RPC endpoint, as far as the tests need it: {@code ContactService.load(key, id, fields)}
 * answers a struct of the requested fields of contact {@code id}, like Keap; any other method answers a
 * string naming the method; a body that is not a method call answers a fault, as Keap does.
 */
final class FakeXmlRpc {

    private static final String PROLOG = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

    private FakeXmlRpc() {
    }

    static String answer(byte[] body) {
        Element call;
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            Document document = factory.newDocumentBuilder().parse(new ByteArrayInputStream(body));
            call = document.getDocumentElement();
        } catch (Exception e) {
            return fault(-32700, "parse error. not well formed");
        }
        String method = text(call, "methodName");
        if (method == null) {
            return fault(-32600, "No method name");
        }
        List<Element> params = params(call);
        if (method.equals("ContactService.load") && params.size() == 3) {
            return load(params.get(1), params.get(2));
        }
        return response("<string>" + escape(method) + "</string>");
    }

    private static String load(Element idValue, Element fieldsValue) {
        String id = idValue.getTextContent().trim();
        StringBuilder struct = new StringBuilder("<struct>");
        NodeList fields = fieldsValue.getElementsByTagName("value");
        for (int i = 0; i < fields.getLength(); i++) {
            String field = fields.item(i).getTextContent().trim();
            String value = switch (field) {
                case "Id" -> "<i4>" + escape(id) + "</i4>";
                case "FirstName" -> "<string>Fake</string>";
                case "LastName" -> "<string>Contact" + escape(id) + "</string>";
                case "Email" -> "<string>contact" + escape(id) + "@example.com</string>";
                default -> null; // Keap leaves out fields that are empty
            };
            if (value != null) {
                struct.append("<member><name>").append(escape(field)).append("</name><value>").append(value)
                        .append("</value></member>");
            }
        }
        return response(struct.append("</struct>").toString());
    }

    private static List<Element> params(Element call) {
        List<Element> values = new ArrayList<>();
        NodeList params = call.getElementsByTagName("param");
        for (int i = 0; i < params.getLength(); i++) {
            NodeList value = ((Element) params.item(i)).getElementsByTagName("value");
            if (value.getLength() > 0) {
                values.add((Element) value.item(0));
            }
        }
        return values;
    }

    private static String text(Element parent, String child) {
        NodeList nodes = parent.getElementsByTagName(child);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }

    private static String response(String value) {
        return PROLOG + "<methodResponse><params><param><value>" + value + "</value></param></params></methodResponse>";
    }

    private static String fault(int code, String message) {
        return PROLOG + "<methodResponse><fault><value><struct>"
                + "<member><name>faultCode</name><value><i4>" + code + "</i4></value></member>"
                + "<member><name>faultString</name><value><string>" + escape(message) + "</string></value></member>"
                + "</struct></value></fault></methodResponse>";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}

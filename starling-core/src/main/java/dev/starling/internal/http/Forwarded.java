package dev.starling.internal.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code Forwarded} header of RFC 7239, parsed as its grammar says: elements separated by commas (one per
 * proxy, in order), each of {@code name=value} pairs separated by semicolons, values a token or a quoted string
 * with backslash escapes, names case-insensitive and each at most once per element.
 */
final class Forwarded {

    /** One forwarded-element: its {@code for}, {@code proto} and {@code host}, each null when absent. */
    record Element(String forNode, String proto, String host) {
    }

    private final String text;
    private int at;

    private Forwarded(String text) {
        this.text = text;
    }

    /** Returns the elements of every {@code Forwarded} header, in order, or null when one is malformed. */
    static List<Element> parse(List<String> headers) {
        List<Element> elements = new ArrayList<>();
        for (String header : headers) {
            if (!new Forwarded(header).elements(elements)) {
                return null;
            }
        }
        return elements;
    }

    private boolean elements(List<Element> out) {
        while (true) {
            skipBlanks();
            if (at == text.length()) {
                return true;
            }
            if (text.charAt(at) == ',') {
                at++;   // an empty list member, which the list rule of RFC 9110 allows
                continue;
            }
            String forNode = null;
            String proto = null;
            String host = null;
            boolean any = false;
            while (true) {
                skipBlanks();
                if (at < text.length() && text.charAt(at) == ';') {
                    at++;   // an empty pair
                    continue;
                }
                if (at == text.length() || text.charAt(at) == ',') {
                    break;
                }
                String name = token();
                if (name == null || at == text.length() || text.charAt(at) != '=') {
                    return false;
                }
                at++;
                String value = at < text.length() && text.charAt(at) == '"' ? quoted() : token();
                if (value == null) {
                    return false;
                }
                switch (name.toLowerCase(Locale.ROOT)) {
                    case "for" -> {
                        if (forNode != null) {
                            return false;
                        }
                        forNode = value;
                    }
                    case "proto" -> {
                        if (proto != null) {
                            return false;
                        }
                        proto = value;
                    }
                    case "host" -> {
                        if (host != null) {
                            return false;
                        }
                        host = value;
                    }
                    default -> {
                        // "by" and extensions: not used
                    }
                }
                any = true;
                skipBlanks();
                if (at < text.length() && text.charAt(at) == ';') {
                    at++;
                } else if (at < text.length() && text.charAt(at) != ',') {
                    return false;
                }
            }
            if (any) {
                out.add(new Element(forNode, proto, host));
            }
        }
    }

    private void skipBlanks() {
        while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) {
            at++;
        }
    }

    private String token() {
        int start = at;
        while (at < text.length() && tchar(text.charAt(at))) {
            at++;
        }
        return at == start ? null : text.substring(start, at);
    }

    private String quoted() {
        StringBuilder value = new StringBuilder();
        at++;
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\\') {
                if (at == text.length()) {
                    return null;
                }
                c = text.charAt(at++);
            }
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return null;
            }
            value.append(c);
        }
        return null;   // no closing quote
    }

    /** A token character of RFC 9110. */
    private static boolean tchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}

package dev.starling.internal;

/** The check every response header value set through the public API passes before it can be written. */
public final class HeaderValues {

    private HeaderValues() {
    }

    /**
     * Returns {@code value} when it may be sent as the value of response header {@code name}; fails with a
     * sentence naming the header when it holds a control character other than a tab: a line break would end the
     * header there and let the rest of the value be read as headers of its own (response splitting).
     */
    public static String check(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException("The value of the response header '" + name.replaceAll(
                        "\\p{Cntrl}", "?") + "' must not contain control characters such as line breaks, but '"
                        + value.replaceAll("[\\p{Cntrl}&&[^\t]]", "?") + "' does.");
            }
        }
        return value;
    }
}

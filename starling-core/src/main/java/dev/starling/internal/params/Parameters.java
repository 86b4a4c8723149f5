package dev.starling.internal.params;

/**
 * Counts the parameters of a query string or urlencoded form before it is decoded, so a request with a hundred
 * thousand of them is refused in one pass over its text instead of being built into a map.
 */
public final class Parameters {

    private Parameters() {
    }

    /**
     * Returns how many parameters {@code text} holds from index {@code from} on: the non-empty pieces between
     * {@code &} and {@code ;} separators up to a {@code #}, counted as Netty's {@code QueryStringDecoder} splits.
     */
    public static int count(String text, int from) {
        int count = 0;
        boolean inPiece = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '#') {
                break;
            }
            if (c == '&' || c == ';') {
                inPiece = false;
            } else if (!inPiece) {
                inPiece = true;
                count++;
            }
        }
        return count;
    }
}

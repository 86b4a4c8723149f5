package dev.starling.internal.params;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Turns request strings into parameter values, failing with pydantic's error types and messages. */
final class Converters {

    /** A conversion failure with the FastAPI error type and message. */
    static final class Invalid extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String type;

        Invalid(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }

    /** Converts one string. */
    interface Converter {
        Object convert(String raw);
    }

    private static final String INT = "Input should be a valid integer, unable to parse string as an integer";
    private static final String NUMBER = "Input should be a valid number, unable to parse string as a number";

    private static final Map<Class<?>, Converter> SIMPLE = Map.ofEntries(
            Map.entry(String.class, raw -> raw),
            Map.entry(int.class, integer(Integer::valueOf)),
            Map.entry(Integer.class, integer(Integer::valueOf)),
            Map.entry(long.class, integer(Long::valueOf)),
            Map.entry(Long.class, integer(Long::valueOf)),
            Map.entry(short.class, integer(Short::valueOf)),
            Map.entry(Short.class, integer(Short::valueOf)),
            Map.entry(byte.class, integer(Byte::valueOf)),
            Map.entry(Byte.class, integer(Byte::valueOf)),
            Map.entry(BigInteger.class, integer(BigInteger::new)),
            Map.entry(double.class, number(Double::valueOf)),
            Map.entry(Double.class, number(Double::valueOf)),
            Map.entry(float.class, number(Float::valueOf)),
            Map.entry(Float.class, number(Float::valueOf)),
            Map.entry(BigDecimal.class, number(BigDecimal::new)),
            Map.entry(boolean.class, Converters::bool),
            Map.entry(Boolean.class, Converters::bool),
            Map.entry(UUID.class, Converters::uuid),
            Map.entry(LocalDate.class, time(LocalDate::parse, "date_from_datetime_parsing",
                    "Input should be a valid date or datetime, input is not an ISO-8601 date such as 2024-01-31")),
            Map.entry(LocalDateTime.class, time(LocalDateTime::parse, "datetime_from_date_parsing",
                    "Input should be a valid datetime or date, input is not an ISO-8601 date-time such as "
                            + "2024-01-31T10:15:30")),
            Map.entry(OffsetDateTime.class, time(OffsetDateTime::parse, "datetime_from_date_parsing",
                    "Input should be a valid datetime or date, input is not an ISO-8601 date-time with an offset "
                            + "such as 2024-01-31T10:15:30+01:00")),
            Map.entry(ZonedDateTime.class, time(ZonedDateTime::parse, "datetime_from_date_parsing",
                    "Input should be a valid datetime or date, input is not an ISO-8601 date-time with an offset "
                            + "or zone such as 2024-01-31T10:15:30+01:00[Europe/Paris]")),
            Map.entry(Instant.class, time(raw -> OffsetDateTime.parse(raw).toInstant(), "datetime_from_date_parsing",
                    "Input should be a valid datetime or date, input is not an ISO-8601 instant such as "
                            + "2024-01-31T10:15:30Z")),
            Map.entry(LocalTime.class, time(LocalTime::parse, "time_parsing",
                    "Input should be in a valid time format, input is not an ISO-8601 time such as 10:15:30")),
            Map.entry(Duration.class, time(Duration::parse, "time_delta_parsing",
                    "Input should be a valid timedelta, input is not an ISO-8601 duration such as PT1H30M")));

    private Converters() {
    }

    /** Returns the converter for {@code type}, or null when strings cannot become that type. */
    static Converter forType(Class<?> type) {
        Converter c = SIMPLE.get(type);
        if (c != null) {
            return c;
        }
        if (type.isEnum()) {
            return enumConverter(type);
        }
        return null;
    }

    private static Converter integer(Function<String, Object> parse) {
        return raw -> {
            try {
                return parse.apply(raw.trim());
            } catch (NumberFormatException e) {
                throw new Invalid("int_parsing", INT);
            }
        };
    }

    private static Converter time(Function<String, Object> parse, String type, String message) {
        return raw -> {
            try {
                return parse.apply(raw.trim());
            } catch (DateTimeException e) {
                throw new Invalid(type, message);
            }
        };
    }

    private static Converter number(Function<String, Object> parse) {
        return raw -> {
            try {
                return parse.apply(raw.trim());
            } catch (NumberFormatException e) {
                throw new Invalid("float_parsing", NUMBER);
            }
        };
    }

    private static Object bool(String raw) {
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on", "t", "y" -> Boolean.TRUE;
            case "false", "0", "no", "off", "f", "n" -> Boolean.FALSE;
            default -> throw new Invalid("bool_parsing", "Input should be a valid boolean, unable to interpret input");
        };
    }

    private static Object uuid(String raw) {
        try {
            return UUID.fromString(raw.trim());
        } catch (IllegalArgumentException e) {
            throw new Invalid("uuid_parsing", "Input should be a valid UUID, unable to parse string as a UUID");
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Converter enumConverter(Class<?> type) {
        Object[] constants = type.getEnumConstants();
        String expected = expectedList(Arrays.stream(constants).map(c -> "'" + ((Enum) c).name() + "'").toList());
        return raw -> {
            for (Object c : constants) {
                if (((Enum) c).name().equals(raw)) {
                    return c;
                }
            }
            for (Object c : constants) {
                if (((Enum) c).name().equalsIgnoreCase(raw)) {
                    return c;
                }
            }
            throw new Invalid("enum", "Input should be " + expected);
        };
    }

    private static String expectedList(List<String> names) {
        if (names.size() <= 1) {
            return String.join("", names);
        }
        return names.subList(0, names.size() - 1).stream().collect(Collectors.joining(", "))
                + " or " + names.get(names.size() - 1);
    }
}

package io.airlock.registry.evaluation.service;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A strict 5-field cron expression, evaluated in UTC: {@code minute hour day-of-month month day-of-week}.
 *
 * <p>Each field is {@code *} or a comma-separated list of items; an item is a value, a range
 * {@code a-b} (a &lt;= b), or either of {@code *} and a range followed by {@code /step} (step &gt;= 1).
 * Months take JAN-DEC, days of week SUN-SAT (any case); day of week 0 and 7 are both Sunday. As in
 * Vixie cron, when both day fields are restricted a day matching either fires; otherwise both must
 * match. Nothing else is accepted: no {@code ?}, {@code L}, {@code W}, {@code #}, no macros like
 * {@code @daily}, no seconds or year field, and an expression that can never fire (30 February) is
 * refused. Refusals are {@link IllegalArgumentException}s whose message names the field.
 */
public final class Cron {
    /** Longest expression accepted; a real one is a few dozen characters. */
    public static final int MAX_LENGTH = 256;
    /** Days searched ahead by {@link #next}; a valid expression fires within 4 years (29 February). */
    private static final int SEARCH_DAYS = 366 * 8 + 2;
    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP",
            "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

    private final String expression;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private Cron(String expression, BitSet minutes, BitSet hours, BitSet daysOfMonth, BitSet months, BitSet daysOfWeek,
                 boolean domRestricted, boolean dowRestricted) {
        this.expression = expression;
        this.minutes = minutes;
        this.hours = hours;
        this.daysOfMonth = daysOfMonth;
        this.months = months;
        this.daysOfWeek = daysOfWeek;
        this.domRestricted = domRestricted;
        this.dowRestricted = dowRestricted;
    }

    /** Parses {@code text}; fields are separated by runs of spaces or tabs. */
    public static Cron parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("schedule is empty: expected 5 fields, e.g. '0 3 * * *'");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("schedule is over " + MAX_LENGTH + " characters");
        }
        String t = text.strip();
        if (t.startsWith("@")) {
            throw new IllegalArgumentException("schedule '" + t + "': macros like @daily are not supported; "
                    + "write the 5 fields (minute hour day-of-month month day-of-week)");
        }
        String[] f = t.split("[ \t]+");
        if (f.length != 5) {
            throw new IllegalArgumentException("schedule '" + t + "' has " + f.length
                    + " fields; expected 5: minute hour day-of-month month day-of-week");
        }
        BitSet dow = field(f[4], "day-of-week", 0, 7, DAYS);
        if (dow.get(7)) {
            dow.set(0);
            dow.clear(7);
        }
        Cron c = new Cron(String.join(" ", f), field(f[0], "minute", 0, 59, List.of()),
                field(f[1], "hour", 0, 23, List.of()), field(f[2], "day-of-month", 1, 31, List.of()),
                field(f[3], "month", 1, 12, MONTHS), dow, !f[2].startsWith("*"), !f[4].startsWith("*"));
        if (c.next(Instant.parse("2000-01-01T00:00:00Z")) == null) {
            throw new IllegalArgumentException("schedule '" + c.expression + "' never fires (no such date)");
        }
        return c;
    }

    /** The expression as parsed, fields separated by one space. */
    public String expression() {
        return expression;
    }

    /** The first instant strictly after {@code after}, on a whole minute, that matches; null if none within 8 years. */
    public Instant next(Instant after) {
        Objects.requireNonNull(after);
        LocalDateTime t = LocalDateTime.ofInstant(after, ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        LocalDate limit = t.toLocalDate().plusDays(SEARCH_DAYS);
        while (t.toLocalDate().isBefore(limit)) {
            if (!months.get(t.getMonthValue())) {
                t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay();
            } else if (!dayMatches(t.toLocalDate())) {
                t = t.toLocalDate().plusDays(1).atStartOfDay();
            } else if (!hours.get(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!minutes.get(t.getMinute())) {
                t = t.plusMinutes(1);
            } else {
                return t.toInstant(ZoneOffset.UTC);
            }
        }
        return null;
    }

    private boolean dayMatches(LocalDate d) {
        boolean dom = daysOfMonth.get(d.getDayOfMonth());
        boolean dow = daysOfWeek.get(d.getDayOfWeek().getValue() % 7);
        if (domRestricted && dowRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    private static BitSet field(String text, String name, int min, int max, List<String> names) {
        BitSet set = new BitSet(max + 1);
        if (text.isEmpty() || text.startsWith(",") || text.endsWith(",")) {
            throw new IllegalArgumentException(name + " '" + text + "': empty list item");
        }
        for (String item : text.split(",", -1)) {
            if (item.isEmpty()) {
                throw new IllegalArgumentException(name + " '" + text + "': empty list item");
            }
            int step = 1;
            String range = item;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                range = item.substring(0, slash);
                step = number(item.substring(slash + 1), name, item, 1, max - min + 1, List.of(), 0);
                if (!range.equals("*") && range.indexOf('-') < 0) {
                    throw new IllegalArgumentException(name + " '" + item + "': a step needs * or a range before it");
                }
            }
            int lo;
            int hi;
            if (range.equals("*")) {
                lo = min;
                hi = max == 7 && names == DAYS ? 6 : max;
            } else {
                int dash = range.indexOf('-');
                if (dash < 0) {
                    lo = hi = number(range, name, item, min, max, names, min);
                } else {
                    lo = number(range.substring(0, dash), name, item, min, max, names, min);
                    hi = number(range.substring(dash + 1), name, item, min, max, names, min);
                    if (lo > hi) {
                        throw new IllegalArgumentException(name + " '" + item + "': range runs backwards ("
                                + lo + " > " + hi + ")");
                    }
                }
            }
            for (int v = lo; v <= hi; v += step) {
                set.set(v);
            }
        }
        return set;
    }

    /** A decimal number (at most 2 digits) or, where the field has them, a 3-letter name. */
    private static int number(String s, String name, String item, int min, int max, List<String> names, int base) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException(name + " '" + item + "': missing number");
        }
        int v;
        if (s.length() <= 2 && s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            v = Integer.parseInt(s);
        } else {
            int i = names.indexOf(s.toUpperCase(Locale.ROOT));
            if (i < 0) {
                throw new IllegalArgumentException(name + " '" + item + "': '" + s + "' is not a number"
                        + (names.isEmpty() ? "" : " or one of " + String.join(",", names)));
            }
            v = i + base;
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " '" + item + "': " + v + " is outside " + min + "-" + max);
        }
        return v;
    }

    @Override
    public String toString() {
        return expression;
    }
}

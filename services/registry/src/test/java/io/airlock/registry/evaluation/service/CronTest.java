package io.airlock.registry.evaluation.service;


import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CronTest {

    @ParameterizedTest(name = "{0} after {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "* * * * *            | 2026-03-01T10:15:30Z | 2026-03-01T10:16:00Z",
            "* * * * *            | 2026-03-01T10:15:00Z | 2026-03-01T10:16:00Z",
            "0 3 * * *            | 2026-03-01T10:15:00Z | 2026-03-02T03:00:00Z",
            "0 3 * * *            | 2026-03-01T02:59:59Z | 2026-03-01T03:00:00Z",
            "*/15 * * * *         | 2026-03-01T10:15:00Z | 2026-03-01T10:30:00Z",
            "5-20/5 * * * *       | 2026-03-01T10:16:00Z | 2026-03-01T10:20:00Z",
            "5-20/5 * * * *       | 2026-03-01T10:20:00Z | 2026-03-01T11:05:00Z",
            "0,30 9-17 * * MON-FRI | 2026-03-06T17:30:00Z | 2026-03-09T09:00:00Z",
            "0 0 * * 0            | 2026-03-02T00:00:00Z | 2026-03-08T00:00:00Z",
            "0 0 * * 7            | 2026-03-02T00:00:00Z | 2026-03-08T00:00:00Z",
            "0 0 * * sun          | 2026-03-02T00:00:00Z | 2026-03-08T00:00:00Z",
            "0 0 1 jan *          | 2026-03-02T00:00:00Z | 2027-01-01T00:00:00Z",
            "0 0 1 JAN-MAR/2 *    | 2026-01-02T00:00:00Z | 2026-03-01T00:00:00Z",
            "0 12 29 2 *          | 2026-03-01T00:00:00Z | 2028-02-29T12:00:00Z",
            "59 23 31 12 *        | 2026-12-31T23:59:00Z | 2027-12-31T23:59:00Z",
            // both day fields restricted: either matches (the 13th, or any Friday)
            "0 0 13 * FRI         | 2026-03-01T00:00:00Z | 2026-03-06T00:00:00Z",
            "0 0 13 * FRI         | 2026-03-07T00:00:00Z | 2026-03-13T00:00:00Z",
            // day of week unrestricted: the day of month alone decides
            "0 0 1 * *            | 2026-03-02T00:00:00Z | 2026-04-01T00:00:00Z",
            "0 0 */10 * *         | 2026-03-02T00:00:00Z | 2026-03-11T00:00:00Z",
    })
    void nextFiringTime(String expr, String after, String expected) {
        assertThat(Cron.parse(expr).next(Instant.parse(after))).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest(name = "[{0}] refused: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "\"\"                   | empty",
            "* * * *              | has 4 fields",
            "* * * * * *          | has 6 fields",
            "@daily               | macros",
            "60 * * * *           | minute '60': 60 is outside 0-59",
            "* 24 * * *           | hour '24'",
            "* * 0 * *            | day-of-month '0'",
            "* * 32 * *           | day-of-month '32'",
            "* * * 13 *           | month '13'",
            "* * * * 8            | day-of-week '8'",
            "5-1 * * * *          | runs backwards",
            "*/0 * * * *          | minute '*/0': 0 is outside",
            "*/61 * * * *         | minute '*/61'",
            "5/10 * * * *         | a step needs * or a range",
            "1,,2 * * * *         | empty list item",
            "1, * * * *           | empty list item",
            "a * * * *            | 'a' is not a number",
            "* * * FOO *          | 'FOO' is not a number or one of JAN",
            "* * * * MONDAY       | 'MONDAY' is not a number",
            "? * * * *            | '?' is not a number",
            "* * L * *            | 'L' is not a number",
            "* * * * 1#2          | '1#2' is not a number",
            "-1 * * * *           | missing number",
            "007 * * * *          | '007' is not a number",
            "0 0 30 2 *           | never fires",
            "0 0 31 4,6,9,11 *    | never fires",
    })
    void invalidExpressionsAreRefusedWithTheField(String expr, String message) {
        assertThatThrownBy(() -> Cron.parse(expr)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void overlongAndNullAreRefused() {
        assertThatThrownBy(() -> Cron.parse("1,".repeat(200) + "1 * * * *")).hasMessageContaining("over 256");
        assertThatThrownBy(() -> Cron.parse(null)).hasMessageContaining("empty");
    }

    @Test
    void whitespaceIsNormalized() {
        assertThat(Cron.parse("  0\t3  * *   * ").expression()).isEqualTo("0 3 * * *");
    }
}

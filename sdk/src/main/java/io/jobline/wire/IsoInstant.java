package io.jobline.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * Instants as every record and document carries them ({@code 2026-03-01T02:00:00.123Z}), read and
 * written without {@link java.time.format.DateTimeFormatter}, which took about a twentieth of all
 * the CPU of a {@code jobline bench} (JFR: history and executor threads in {@code
 * DateTimeFormatter.parse}, the event writers in {@code Instant.toString}).
 *
 * <p>The answer is always {@link Instant#parse} / {@link Instant#toString}'s: the quick path takes
 * only the canonical form of a year from 0000 to 9999 (UTC {@code Z}, seconds, a fraction of 1 to 9
 * digits) and hands anything else — an offset, a leap second, a bad string — to the JDK or to
 * Jackson's own reader, which answer it (or refuse it) as they always did. Both refuse a time
 * outside the years 0000 to 9999.
 */
public final class IsoInstant {
  private static final int CANONICAL = "2026-03-01T02:00:00Z".length();

  private IsoInstant() {}

  /** The earliest time Jobline reads: the first instant of the year 0000. */
  public static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");

  /** The latest time Jobline reads: the last instant of the year 9999. */
  public static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

  /**
   * A record's timestamp (milliseconds since the epoch) as a time of the range Jobline writes, or
   * null outside it (negative: none given; past the year 9999: any producer can set one, and a run
   * stored with it could not be read back).
   */
  public static Instant ofRecordTimestamp(long epochMilli) {
    return epochMilli < 0 || epochMilli > LATEST.toEpochMilli()
        ? null
        : Instant.ofEpochMilli(epochMilli);
  }

  /**
   * {@link Instant#parse}, quicker for the canonical form, and refusing a time outside the years
   * 0000 to 9999 ({@link #EARLIEST}, {@link #LATEST}): {@link Instant} reaches a billion years,
   * where its milliseconds (a MongoDB date) and the nanoseconds of a span overflow a long.
   */
  public static Instant parse(CharSequence text) {
    Instant quick = quick(text);
    return quick != null ? quick : inRange(Instant.parse(text), text);
  }

  private static Instant inRange(Instant at, CharSequence text) {
    if (outOfRange(at)) {
      throw new DateTimeParseException(OUT_OF_RANGE, text, 0);
    }
    return at;
  }

  private static boolean outOfRange(Instant at) {
    return at.isBefore(EARLIEST) || at.isAfter(LATEST);
  }

  private static final String OUT_OF_RANGE = "a time outside the years 0000 to 9999";

  /** {@link Instant#toString}, quicker for years 0 to 9999. */
  public static String format(Instant instant) {
    long seconds = instant.getEpochSecond();
    long day = Math.floorDiv(seconds, 86_400);
    int inDay = (int) Math.floorMod(seconds, 86_400);
    if (day < MIN_DAY || day > MAX_DAY) {
      return instant.toString();
    }
    LocalDate date = LocalDate.ofEpochDay(day);
    int nanos = instant.getNano();
    int digits = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
    char[] out = new char[CANONICAL + (digits == 0 ? 0 : digits + 1)];
    put(out, 0, date.getYear(), 4);
    out[4] = '-';
    put(out, 5, date.getMonthValue(), 2);
    out[7] = '-';
    put(out, 8, date.getDayOfMonth(), 2);
    out[10] = 'T';
    put(out, 11, inDay / 3600, 2);
    out[13] = ':';
    put(out, 14, inDay / 60 % 60, 2);
    out[16] = ':';
    put(out, 17, inDay % 60, 2);
    if (digits > 0) {
      out[19] = '.';
      put(out, 20, nanos / POW10[9 - digits], digits);
    }
    out[out.length - 1] = 'Z';
    return new String(out);
  }

  /** A Jackson module reading and writing {@link Instant} this way. */
  public static SimpleModule module() {
    return new SimpleModule("jobline-instants")
        .addSerializer(Instant.class, new Writer())
        .addDeserializer(Instant.class, new Reader());
  }

  private static final long MIN_DAY = LocalDate.of(0, 1, 1).toEpochDay();
  private static final long MAX_DAY = LocalDate.of(9999, 12, 31).toEpochDay();
  private static final int[] POW10 = {
    1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000
  };

  private static void put(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /** The canonical form read directly, or null when the JDK must answer. */
  static Instant quick(CharSequence s) {
    int n = s.length();
    if (n < CANONICAL
        || n == CANONICAL + 1
        || n > CANONICAL + 10
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(n - 1) != 'Z') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    int nanos = 0;
    if (n > CANONICAL) {
      if (s.charAt(19) != '.') {
        return null;
      }
      int width = n - CANONICAL - 1;
      int fraction = digits(s, 20, width);
      if (fraction < 0) {
        return null;
      }
      nanos = fraction * POW10[9 - width];
    }
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || day > 28 && day > LocalDate.of(year, month, 1).lengthOfMonth()
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59) {
      return null;
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second, nanos);
  }

  /** The number written in {@code width} ASCII digits at {@code at}, or -1. */
  private static int digits(CharSequence s, int at, int width) {
    int value = 0;
    for (int i = at; i < at + width; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static final class Writer extends StdScalarSerializer<Instant> {
    Writer() {
      super(Instant.class);
    }

    @Override
    public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeString(format(value));
    }
  }

  private static final class Reader extends StdScalarDeserializer<Instant> {
    Reader() {
      super(Instant.class);
    }

    @Override
    public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        Instant quick = quick(p.getText());
        if (quick != null) {
          return quick;
        }
      }
      Instant at;
      try {
        at = InstantDeserializer.INSTANT.deserialize(p, ctxt);
      } catch (DateTimeException beyondInstant) { // (a number of seconds past Instant's range)
        return (Instant) ctxt.handleWeirdStringValue(Instant.class, p.getText(), OUT_OF_RANGE);
      }
      if (at != null && outOfRange(at)) {
        return (Instant) ctxt.handleWeirdStringValue(Instant.class, p.getText(), OUT_OF_RANGE);
      }
      return at;
    }
  }
}

package io.jobline.builtins.export;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.bson.BsonBinarySubType;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.MaxKey;
import org.bson.types.MinKey;
import org.bson.types.ObjectId;
import org.bson.types.Symbol;

/**
 * The key of a document's row: its {@code _id} as text that keeps the id's BSON type, so that two
 * ids MongoDB tells apart never share a row (found by review: {@code 7} and {@code "7"}, or two
 * dates in one second, were one row, and on BigQuery two such ids in one batch made every later
 * MERGE of it fail).
 *
 * <p>Keys are formed so:
 *
 * <ul>
 *   <li>a string is itself, and an ObjectId its 24 hex digits, as in every earlier export, so the
 *       rows of the usual ids keep their keys; a string that begins as a tagged key below does
 *       ({@code number:7}) is written {@code string:number:7};
 *   <li>a number is {@code number:} and its exact value in plain decimal ({@code number:7} for 7,
 *       7L, 7.0 and 7.00, which MongoDB takes for one id too; {@code number:NaN}, {@code
 *       number:Infinity});
 *   <li>a date is {@code date:} and the instant in ISO-8601 UTC with milliseconds ({@code
 *       date:2026-01-02T03:04:05.006Z}), whatever the time zone of the JVM;
 *   <li>a UUID (binary subtype 4) is {@code uuid:} and its usual form, other binary data {@code
 *       binary:}, its subtype, {@code :} and its bytes in hex;
 *   <li>{@code bool:true}, {@code bool:false}, {@code null:}, {@code timestamp:<seconds>.<inc>},
 *       {@code minkey:}, {@code maxkey:}; an embedded document {@code object:} and its relaxed
 *       extended JSON; anything else {@code other:} and its text.
 * </ul>
 *
 * <p>The one pair left sharing a key is an ObjectId and the string of its hex digits: both kept the
 * keys earlier exports wrote. Rows earlier exports wrote under the old keys of other ids ({@link
 * #earlier}) are deleted as their documents are exported again.
 */
final class RowKey {
  private static final DateTimeFormatter MILLIS =
      new DateTimeFormatterBuilder().appendInstant(3).toFormatter();
  private static final JsonWriterSettings JSON =
      JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

  /** The tags of keys of other types than string and ObjectId, as {@link #of} writes them. */
  private static final Pattern TAGGED =
      Pattern.compile(
          "^(string|number|date|uuid|binary|bool|null|timestamp|minkey|maxkey|object|other):");

  /**
   * How the keys are formed now: a sweep of older keys ({@link #earlier}) is over for a table once
   * a whole pass wrote them in this form.
   */
  static final int FORMAT = 2;

  private RowKey() {}

  /** The key of the row of the document whose {@code _id} is {@code id}. */
  static String of(Object id) {
    if (id instanceof String s) {
      return TAGGED.matcher(s).find() ? "string:" + s : s;
    }
    if (id instanceof Symbol s) {
      return of(s.getSymbol()); // (MongoDB compares a symbol as the string of its text)
    }
    if (id instanceof ObjectId o) {
      return o.toHexString();
    }
    if (id instanceof Number n) {
      return "number:" + number(n);
    }
    if (id instanceof Date d) {
      return "date:" + MILLIS.format(d.toInstant());
    }
    if (id instanceof Binary b) {
      byte[] data = b.getData();
      if (b.getType() == BsonBinarySubType.UUID_STANDARD.getValue() && data.length == 16) {
        ByteBuffer bytes = ByteBuffer.wrap(data);
        return "uuid:" + new UUID(bytes.getLong(), bytes.getLong());
      }
      return "binary:" + b.getType() + ":" + HexFormat.of().formatHex(data);
    }
    if (id instanceof Boolean bool) {
      return "bool:" + bool;
    }
    if (id == null) {
      return "null:";
    }
    if (id instanceof BsonTimestamp t) {
      return "timestamp:" + Integer.toUnsignedString(t.getTime()) + "." + t.getInc();
    }
    if (id instanceof MinKey) {
      return "minkey:";
    }
    if (id instanceof MaxKey) {
      return "maxkey:";
    }
    if (id instanceof Document d) {
      return "object:" + d.toJson(JSON);
    }
    return "other:" + id;
  }

  /**
   * A number's exact value in plain decimal, the same for every numeric type that holds it; past 64
   * digits in scientific notation (a Decimal128 may have 6,000).
   */
  private static String number(Number n) {
    BigDecimal exact;
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        return Double.toString(d);
      }
      exact = new BigDecimal(d);
    } else if (n instanceof Decimal128 dec) {
      if (dec.isNaN()) {
        return "NaN";
      }
      if (dec.isInfinite()) {
        return dec.isNegative() ? "-Infinity" : "Infinity";
      }
      exact = RowShaper.decimal(dec);
    } else {
      exact = BigDecimal.valueOf(n.longValue());
    }
    BigDecimal stripped = exact.signum() == 0 ? BigDecimal.ZERO : exact.stripTrailingZeros();
    String plain = stripped.toPlainString();
    return plain.length() <= 64 ? plain : stripped.toString();
  }

  /**
   * The keys earlier exports wrote for this id where they differ from {@link #of}'s, oldest first:
   * {@code String.valueOf(id)} (for a date, in this JVM's time zone, as it was written) and, for
   * binary data, the class name and hash, then the text of {@code binary data}'s bytes. Rows under
   * them are deleted as the document is exported again, so none stays behind its new one.
   */
  static List<String> earlier(Object id) {
    List<String> out = new ArrayList<>(2);
    if (id instanceof Binary b) {
      out.add(Binary.class.getName() + "@" + Integer.toHexString(b.hashCode()));
      out.add(RowShaper.text(b));
    } else if (!(id instanceof ObjectId)) {
      out.add(String.valueOf(id));
    }
    String now = of(id);
    out.removeIf(now::equals);
    return out;
  }
}

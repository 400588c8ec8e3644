package io.jobline.builtins.export;

import io.jobline.builtins.export.ExportParams.ResourceConfig;
import io.jobline.job.JobException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bson.BsonBinarySubType;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * Turns a resource's documents into rows: keeps the included and drops the excluded fields,
 * flattens nested documents to {@code flatten_depth} levels (dot path {@code a.b} becomes column
 * {@code a_b}; deeper values and arrays become JSON text), adds the explicit {@code flatten_fields}
 * columns, then applies the GDPR mode to every column that holds a personal field ({@code hash}
 * writes a personal boolean as the marker: its hash would have two values per tenant).
 */
public final class RowShaper {
  private static final JsonWriterSettings JSON =
      JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();
  private final ResourceConfig config;
  private final List<String> personal;
  private final String marker;
  private final Mac hmac;

  /**
   * @param personal dot paths of the resource's personal fields
   * @param marker what {@code anonymize} writes
   * @param hashKey key of {@code hash}; may be empty unless the mode is {@code hash}
   * @param tenantId the tenant exported: {@code hash} uses a key derived from {@code hashKey} and
   *     it, so one tenant's hashes cannot be joined with another's
   * @throws JobException if the mode is {@code hash} and there is no key
   */
  public RowShaper(
      ResourceConfig config,
      List<String> personal,
      String marker,
      String hashKey,
      String tenantId) {
    this.config = config;
    // without regard to case: a field declared `email` and stored as `Email` by some writers is
    // personal all the same (matching more only masks more)
    this.personal = personal.stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
    this.marker = marker;
    this.hmac = config.gdprMode() == GdprMode.HASH ? tenantHmac(hashKey, tenantId) : null;
  }

  private static Mac tenantHmac(String key, String tenantId) {
    if (key == null || key.isEmpty()) {
      throw new JobException(
          "gdpr_mode hash needs jobs.builtins.biExport.hashKey (BI_EXPORT_HASH_KEY); it is not set");
    }
    byte[] tenantKey =
        hmac(key.getBytes(StandardCharsets.UTF_8))
            .doFinal(("tenant:" + tenantId).getBytes(StandardCharsets.UTF_8));
    return hmac(tenantKey);
  }

  private static Mac hmac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new JobException("HMAC-SHA256 is not available: " + e.getMessage(), e);
    }
  }

  /** The row of one document. */
  public Row shape(Document doc) {
    Document kept = select(doc, "");
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    flatten(kept, "", 0, values, sources);
    config
        .flattenFields()
        .forEach(
            (path, column) -> {
              Object v = at(kept, path);
              values.put(column, v == null ? null : value(v));
              sources.put(column, path);
            });
    values.remove(Column.KEY);
    // (the export's own columns, in any case: a target that ignores case takes them for one)
    values.keySet().removeIf(Column::isExports);
    Map<String, Object> out = new LinkedHashMap<>();
    Set<String> masked = new HashSet<>();
    values.forEach(
        (column, v) -> {
          if (!isPersonal(sources.get(column))) {
            out.put(column, v);
            return;
          }
          masked.add(column);
          if (config.gdprMode() == GdprMode.ANONYMIZE) {
            out.put(column, v == null ? null : marker);
          } else if (config.gdprMode() == GdprMode.HASH) {
            // a yes or no has two hashes per tenant: one row whose answer is known tells every
            // other row's (found by review), so it is written as the marker, as anonymize does
            out.put(column, v == null ? null : v instanceof Boolean ? marker : hash(Row.text(v)));
          }
        });
    return new Row(RowKey.of(doc.get("_id")), out, masked);
  }

  private boolean isPersonal(String source) {
    String path = source.toLowerCase(Locale.ROOT);
    for (String p : personal) {
      if (path.equals(p) || path.startsWith(p + ".") || p.startsWith(path + ".")) {
        return true;
      }
    }
    return false;
  }

  private synchronized String hash(String value) {
    return HexFormat.of().formatHex(hmac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The document with only the included and none of the excluded paths; {@code _id} always stays.
   */
  private Document select(Document doc, String prefix) {
    Document out = new Document();
    List<String> include = config.includeFields();
    for (Map.Entry<String, Object> e : doc.entrySet()) {
      String path = prefix + e.getKey();
      Object v = e.getValue();
      if (prefix.isEmpty() && e.getKey().equals("_id")) {
        out.put(e.getKey(), v);
      } else if (config.excludeFields().contains(path)) {
        continue;
      } else if (include == null || covered(include, path)) {
        out.put(e.getKey(), v instanceof Document d ? select(d, path + ".") : v);
      } else if (v instanceof Document d
          && include.stream().anyMatch(i -> i.startsWith(path + "."))) {
        out.put(e.getKey(), select(d, path + "."));
      }
    }
    return out;
  }

  private static boolean covered(Collection<String> include, String path) {
    return include.stream().anyMatch(i -> path.equals(i) || path.startsWith(i + "."));
  }

  private void flatten(
      Document doc,
      String prefix,
      int depth,
      Map<String, Object> values,
      Map<String, String> sources) {
    for (Map.Entry<String, Object> e : doc.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (path.equals(Column.KEY) || config.flattenFields().containsKey(path)) {
        continue;
      }
      if (e.getValue() instanceof Document d && depth < config.flattenDepth()) {
        flatten(d, path, depth + 1, values, sources);
      } else {
        String column = columnName(path);
        if (!values.containsKey(column)) {
          values.put(column, value(e.getValue()));
          sources.put(column, path);
        }
      }
    }
  }

  /**
   * A dot path as a column name: dots and anything but letters, digits and underscores become
   * underscores; an empty name (MongoDB allows a field named "") is {@code _} (found by review: it
   * failed the document, which was left out with its row kept).
   */
  static String columnName(String path) {
    String name = path.replaceAll("[^A-Za-z0-9_]", "_");
    return name.isEmpty() || Character.isDigit(name.charAt(0)) ? "_" + name : name;
  }

  private static Object at(Document doc, String path) {
    Object current = doc;
    for (String part : path.split("\\.")) {
      if (!(current instanceof Document d)) {
        return null;
      }
      current = d.get(part);
    }
    return current;
  }

  /** A BSON value as a column value. */
  static Object value(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Integer i) {
      return i.longValue();
    }
    if (v instanceof Long) {
      return v;
    }
    if (v instanceof Double || v instanceof Float) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof Date d) {
      return d.toInstant();
    }
    if (v instanceof ObjectId id) {
      return id.toHexString();
    }
    if (v instanceof Binary b) {
      return valueText(b);
    }
    if (v instanceof Decimal128 dec) {
      // (its NaN and infinities have no BigDecimal, nor has its negative zero: found by review,
      // such a document was left out and its row kept the values of an earlier export)
      return dec.isFinite() ? decimal(dec).toPlainString() : dec.toString();
    }
    if (v instanceof Document || v instanceof List) {
      return json(v);
    }
    return v.toString();
  }

  /** A finite Decimal128's value; its negative zero is zero. */
  static BigDecimal decimal(Decimal128 dec) {
    return new BigDecimal(dec.toString()); // (bigDecimalValue() refuses the negative zero)
  }

  private static String json(Object v) {
    String wrapped = new Document("v", withoutBinaryData(v)).toJson(JSON);
    return wrapped.substring(wrapped.indexOf(':') + 1, wrapped.length() - 1).trim();
  }

  /**
   * {@code v} with each binary value in it, however deep, as {@link #valueText} gives it (found by
   * review: inside a document or an array, a file's bytes went out whole, in base64).
   */
  private static Object withoutBinaryData(Object v) {
    if (v instanceof Binary b) {
      return valueText(b);
    }
    if (v instanceof Document d) {
      Document out = new Document();
      d.forEach((k, inner) -> out.put(k, withoutBinaryData(inner)));
      return out;
    }
    if (v instanceof List<?> list) {
      return list.stream().map(RowShaper::withoutBinaryData).toList();
    }
    return v;
  }

  /**
   * A binary value as a column value: a UUID (standard, or a legacy driver's 16 bytes in hex), else
   * only how long it is. The bytes of other binary data (files, images, biometrics) are not
   * exported: large, and personal data no field declaration was written for (found by review).
   */
  static String valueText(Binary b) {
    if (b.getData().length == 16
        && (b.getType() == BsonBinarySubType.UUID_STANDARD.getValue()
            || b.getType() == BsonBinarySubType.UUID_LEGACY.getValue())) {
      return text(b);
    }
    return "binary data, " + b.getData().length + " bytes";
  }

  /**
   * Binary data as text: a UUID stored in the standard way (subtype 4) in its usual form, any other
   * binary data (a UUID of a legacy driver, subtype 3, whose byte order that driver chose among
   * them) as its bytes in hex.
   */
  static String text(Binary b) {
    byte[] data = b.getData();
    if (b.getType() == BsonBinarySubType.UUID_STANDARD.getValue() && data.length == 16) {
      ByteBuffer bytes = ByteBuffer.wrap(data);
      return new UUID(bytes.getLong(), bytes.getLong()).toString();
    }
    return HexFormat.of().formatHex(data);
  }
}

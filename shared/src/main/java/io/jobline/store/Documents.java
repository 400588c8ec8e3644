package io.jobline.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.SerializationConfig;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.Json;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.bson.Document;

/**
 * Maps records to BSON documents through Jackson. The named top-level timestamp fields are stored
 * as BSON dates so they can be queried and indexed; everything else keeps its JSON form.
 */
final class Documents {
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private Documents() {}

  static Document toDocument(Object value, String idField, Set<String> dateFields) {
    Map<String, Object> map = Json.mapper().convertValue(value, MAP);
    Document doc = new Document();
    Object id = map.remove(idField);
    doc.put("_id", id);
    map.forEach(
        (k, v) -> {
          if (v != null && dateFields.contains(k)) {
            doc.put(k, Date.from(IsoInstant.parse((String) v)));
          } else if (v != null) {
            doc.put(k, v);
          }
        });
    return doc;
  }

  /** The names of the fields Jackson writes for {@code type}, as {@link #toDocument} names them. */
  static Set<String> fieldNames(Class<?> type) {
    SerializationConfig config = Json.mapper().getSerializationConfig();
    Set<String> names = new LinkedHashSet<>();
    config
        .introspect(Json.mapper().constructType(type))
        .findProperties()
        .forEach(p -> names.add(p.getName()));
    return Set.copyOf(names);
  }

  static <T> T fromDocument(Document doc, Class<T> type, String idField) {
    Map<String, Object> map = new LinkedHashMap<>();
    doc.forEach(
        (k, v) -> {
          String key = k.equals("_id") ? idField : k;
          map.put(key, v instanceof Date d ? IsoInstant.format(d.toInstant()) : v);
        });
    return Json.mapper().convertValue(map, type);
  }
}

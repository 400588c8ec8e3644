package io.jobline.executor;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * {@link TenantDirectory} on the tenants collection of {@link TenantSettings} (read only: the
 * tenants are another system's), with the field names it configures.
 */
public final class MongoTenantDirectory implements TenantDirectory {
  private final MongoCollection<Document> tenants;
  private final TenantSettings settings;

  public MongoTenantDirectory(MongoDatabase db, TenantSettings settings) {
    this.tenants = db.getCollection(settings.collection);
    this.settings = settings;
  }

  @Override
  public List<String> active() {
    List<String> ids = new ArrayList<>();
    tenants
        .find(Filters.ne(settings.activeField, false))
        .projection(Projections.include(settings.idField))
        .forEach(d -> ids.add(String.valueOf(d.get(settings.idField))));
    ids.sort(String::compareTo);
    return ids;
  }

  /**
   * The tenants below {@code tenant}, walked on the values the collection holds: its ids are often
   * ObjectIds or numbers, which a text never equals in a query, and every descendant of such a
   * tenant was missed (a fan-out ran for the tenant asked alone: found by review). A parent link is
   * matched as the value, or its text, and the tenant asked also as an ObjectId or a number it
   * spells.
   */
  @Override
  public List<String> descendants(String tenant) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<Object> queue = new ArrayDeque<>(List.of(tenant));
    while (!queue.isEmpty()) {
      Object parent = queue.poll();
      for (Document child :
          tenants.find(
              Filters.and(
                  Filters.in(settings.parentField, spellings(parent)),
                  Filters.ne(settings.activeField, false)))) {
        Object raw = child.get(settings.idField);
        String id = String.valueOf(raw);
        if (!id.equals(tenant) && seen.add(id)) {
          queue.add(raw);
        }
      }
    }
    return List.copyOf(seen);
  }

  /** The values a parent link to {@code id} may hold. */
  private static List<Object> spellings(Object id) {
    List<Object> out = new ArrayList<>(List.of(id));
    if (!(id instanceof String)) {
      out.add(String.valueOf(id));
      return out;
    }
    String text = (String) id;
    if (ObjectId.isValid(text)) {
      out.add(new ObjectId(text));
    }
    try {
      long n = Long.parseLong(text);
      if (Long.toString(n).equals(text)) { // (not "007" nor "+7": another tenant's text)
        out.add(n); // (numbers of every BSON type match it)
      }
    } catch (NumberFormatException notANumber) {
      // not one
    }
    return out;
  }
}

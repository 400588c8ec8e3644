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

  @Override
  public List<String> descendants(String tenant) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> queue = new ArrayDeque<>(List.of(tenant));
    while (!queue.isEmpty()) {
      String parent = queue.poll();
      for (Document child :
          tenants.find(
              Filters.and(
                  Filters.eq(settings.parentField, parent),
                  Filters.ne(settings.activeField, false)))) {
        String id = String.valueOf(child.get(settings.idField));
        if (!id.equals(tenant) && seen.add(id)) {
          queue.add(id);
        }
      }
    }
    return List.copyOf(seen);
  }
}

package io.jobline.app.stores;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import io.jobline.executor.InMemoryTenantDirectory;
import io.jobline.executor.MongoTenantDirectory;
import io.jobline.executor.TenantDirectory;
import io.jobline.executor.TenantSettings;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The tenant directory's contract, run against its in-memory twin and its Mongo implementation (on
 * a tenants collection as another system would fill it).
 */
class TenantDirectoryContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  /** A tenant as the directory is given it: {@code active} null when it is not marked at all. */
  record Tenant(String id, String parent, Boolean active) {}

  static Tenant tenant(String id, String parent) {
    return new Tenant(id, parent, null);
  }

  static Tenant inactive(String id, String parent) {
    return new Tenant(id, parent, false);
  }

  abstract static class TenantDirectoryContract {
    /** A directory holding these tenants. */
    abstract TenantDirectory directory(List<Tenant> tenants);

    @Test
    void activeTenantsComeInIdOrderAndATenantMarkedInactiveIsLeftOut() {
      TenantDirectory d =
          directory(
              List.of(
                  tenant("c", null),
                  new Tenant("a", null, true),
                  inactive("b", null),
                  tenant("d", "a"),
                  inactive("e", "a")));
      assertThat(d.active()).containsExactly("a", "c", "d");
    }

    @Test
    void descendantsComeBreadthFirstActiveOnlyAndAnInactiveTenantHidesItsOwn() {
      TenantDirectory d =
          directory(
              List.of(
                  tenant("root", null),
                  tenant("k2", "root"),
                  tenant("k1", "root"),
                  inactive("off", "root"),
                  tenant("hidden", "off"),
                  tenant("g1", "k1"),
                  tenant("g2", "k2"),
                  tenant("gg", "g1"),
                  tenant("elsewhere", null)));

      List<String> all = d.descendants("root");
      assertThat(all).hasSize(5);
      assertThat(Set.copyOf(all.subList(0, 2))).containsExactlyInAnyOrder("k1", "k2");
      assertThat(Set.copyOf(all.subList(2, 4))).containsExactlyInAnyOrder("g1", "g2");
      assertThat(all.get(4)).isEqualTo("gg");
      assertThat(d.descendants("k1")).containsExactly("g1", "gg");
      assertThat(d.descendants("off")).containsExactly("hidden");
      assertThat(d.descendants("gg")).isEmpty();
      assertThat(d.descendants("unknown")).isEmpty();
    }

    @Test
    void parentLinksThatLoopListEachTenantOnceAndNeverTheOneAsked() {
      TenantDirectory d = directory(List.of(tenant("x", "z"), tenant("y", "x"), tenant("z", "y")));
      assertThat(d.descendants("x")).containsExactly("y", "z");
      assertThat(d.descendants("z")).containsExactly("x", "y");
    }
  }

  @Nested
  class InMemoryTenantDirectoryAgrees extends TenantDirectoryContract {
    @Override
    TenantDirectory directory(List<Tenant> tenants) {
      InMemoryTenantDirectory d = new InMemoryTenantDirectory();
      tenants.forEach(t -> d.put(t.id(), t.parent(), t.active() == null || t.active()));
      return d;
    }
  }

  @Nested
  class MongoTenantDirectoryAgrees extends TenantDirectoryContract {
    @Override
    TenantDirectory directory(List<Tenant> tenants) {
      TenantSettings settings = new TenantSettings();
      MongoDatabase db = mongo.freshDatabase();
      for (Tenant t : tenants) {
        Document doc = new Document(settings.idField, t.id());
        if (t.parent() != null) {
          doc.append(settings.parentField, t.parent());
        }
        if (t.active() != null) {
          doc.append(settings.activeField, t.active());
        }
        db.getCollection(settings.collection).insertOne(doc);
      }
      return new MongoTenantDirectory(db, settings);
    }
  }

  @Nested
  class MongoTenantIdsOfOtherTypes {
    @Test
    void descendantsOfTenantsWhoseIdsAreObjectIdsOrNumbersAreFound() {
      // found by review: the walk matched parent links with the text of an id, which never equals
      // an ObjectId or a number, and a fan-out ran for the tenant asked alone
      TenantSettings settings = new TenantSettings();
      MongoDatabase db = mongo.freshDatabase();
      ObjectId root = new ObjectId();
      ObjectId child = new ObjectId();
      ObjectId grandchild = new ObjectId();
      db.getCollection(settings.collection)
          .insertMany(
              List.of(
                  new Document(settings.idField, root),
                  new Document(settings.idField, child).append(settings.parentField, root),
                  new Document(settings.idField, grandchild)
                      .append(settings.parentField, child.toHexString()), // (a link as text)
                  new Document(settings.idField, 7),
                  new Document(settings.idField, 8L).append(settings.parentField, 7),
                  new Document(settings.idField, 9).append(settings.parentField, 8L),
                  new Document(settings.idField, "007"),
                  new Document(settings.idField, "x").append(settings.parentField, "007")));
      MongoTenantDirectory d = new MongoTenantDirectory(db, settings);

      assertThat(d.descendants(root.toHexString()))
          .containsExactly(child.toHexString(), grandchild.toHexString());
      assertThat(d.descendants("7")).containsExactly("8", "9");
      assertThat(d.descendants("007")).as("a text that spells 7 otherwise").containsExactly("x");
      assertThat(d.active()).contains(root.toHexString(), "7", "8", "9");
    }
  }
}

package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.jobline.job.JobDescriptor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/**
 * {@link CatalogueStore} on {@code job_catalogue}, keyed by job name, with who published each job
 * and when.
 */
public final class MongoCatalogueStore implements CatalogueStore {
  public static final String COLLECTION = "job_catalogue";
  private final MongoCollection<Document> jobs;
  private final Clock clock;

  public MongoCatalogueStore(MongoDatabase db, Clock clock) {
    this.jobs = db.getCollection(COLLECTION);
    this.clock = clock;
  }

  @Override
  public void publish(List<JobDescriptor> descriptors, String executorId) {
    for (JobDescriptor job : descriptors) {
      Document doc = Documents.toDocument(job, "name", Set.of());
      doc.put("published_by", executorId);
      doc.put("published_at", new Date(clock.millis()));
      jobs.replaceOne(Filters.eq("_id", job.name()), doc, new ReplaceOptions().upsert(true));
    }
  }

  @Override
  public List<JobDescriptor> list() {
    List<JobDescriptor> out = new ArrayList<>();
    for (Document d : jobs.find().sort(Sorts.ascending("_id"))) {
      out.add(read(d));
    }
    return out;
  }

  @Override
  public Optional<JobDescriptor> find(String name) {
    Document d = jobs.find(Filters.eq("_id", name)).first();
    return Optional.ofNullable(d).map(MongoCatalogueStore::read);
  }

  private static JobDescriptor read(Document d) {
    d.remove("published_by");
    d.remove("published_at");
    return Documents.fromDocument(d, JobDescriptor.class, "name");
  }
}

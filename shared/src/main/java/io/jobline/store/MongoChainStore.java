package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.jobline.chain.Chain;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/** {@link ChainStore} on {@code job_chains}, keyed by chain name. */
public final class MongoChainStore implements ChainStore {
  public static final String COLLECTION = "job_chains";
  private final MongoCollection<Document> chains;
  private final Clock clock;

  public MongoChainStore(MongoDatabase db, Clock clock) {
    this.chains = db.getCollection(COLLECTION);
    this.clock = clock;
  }

  @Override
  public void save(Chain chain, Source source) {
    Document doc = Documents.toDocument(chain, "name", Set.of());
    doc.put("source", source.name());
    doc.put("updated_at", new Date(clock.millis()));
    chains.replaceOne(Filters.eq("_id", chain.name()), doc, new ReplaceOptions().upsert(true));
  }

  @Override
  public Optional<Declared> find(String name) {
    return Optional.ofNullable(chains.find(Filters.eq("_id", name)).first())
        .map(MongoChainStore::read);
  }

  @Override
  public List<Declared> list() {
    List<Declared> out = new ArrayList<>();
    chains.find().sort(Sorts.ascending("_id")).forEach(d -> out.add(read(d)));
    return out;
  }

  private static Declared read(Document d) {
    Source source = Source.valueOf(d.getString("source"));
    d.remove("source");
    d.remove("updated_at");
    return new Declared(Documents.fromDocument(d, Chain.class, "name"), source);
  }
}

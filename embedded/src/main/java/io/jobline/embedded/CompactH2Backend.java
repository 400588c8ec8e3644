package io.jobline.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import io.netty.channel.Channel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mongo-java-server's H2 backend (the {@code standalone} store on a data folder) with its unique
 * indexes keyed by bytes and its documents kept as BSON ({@link BsonDocumentType}).
 *
 * <p>The library keys an index's map by its {@link KeyValue} objects, which H2's MVStore cannot
 * compare: it Java-serializes both sides of every comparison of a lookup's binary search. A JFR
 * profile of {@code jobline bench --store h2} had 54 % of the store's samples in that serializing,
 * under {@code MVMap.get}. Here a key is encoded once per lookup: a single string (every {@code
 * _id} Jobline writes) as its UTF-16 characters, any other key as its Java serialization — the
 * bytes the MVStore compared before, so two keys are equal here exactly when they were equal there.
 *
 * <p>The index and document maps have new names. A data folder written before has its documents
 * copied over and its indexes filled from them at the first start, and only then the old maps
 * removed: a first start cut short does it again.
 */
final class CompactH2Backend extends H2Backend {
  /** Appended to the library's name for an index's map. */
  private static final String KEYED = "$keyed";

  /** Appended to the library's name for a collection's documents ({@code $}: no collection's). */
  private static final String BSON = "$bson";

  private static final Logger LOG = LoggerFactory.getLogger(CompactH2Backend.class);
  private static final String DATA = "databases.";
  private static final String META = "meta.";

  /** Documents read to answer queries and updates, in every collection (for tests). */
  final LongAdder documentsRead = new LongAdder();

  CompactH2Backend(String file) {
    super(open(file));
  }

  /**
   * The store of this file, as the library opens it, but telling what went wrong when its writer
   * fails in the background: H2 then closes the store, and without a handler said nothing about
   * why.
   */
  private static MVStore open(String file) {
    return new MVStore.Builder()
        .fileName(file)
        .backgroundExceptionHandler(
            (thread, e) ->
                LOG.error("The data folder's store {} failed writing in the background", file, e))
        .open();
  }

  /**
   * The commands that change what the store holds (as the library names them; the driver sends
   * every write, bulk ones too, as one of the first four).
   */
  private static final Set<String> WRITES =
      Set.of(
          "insert",
          "update",
          "delete",
          "findandmodify",
          "create",
          "createindexes",
          "drop",
          "dropdatabase",
          "dropindexes",
          "renamecollection");

  /** Commits H2's store for the writes waiting, one commit for all of them. */
  private final GroupCommit groupCommit = new GroupCommit(() -> commitToFile(getMvStore()));

  /** Closes the cursors left idle ({@link EmbeddedMongo} sweeps it). */
  final CursorExpiry cursors = new CursorExpiry(getCursorRegistry(), System::nanoTime);

  /**
   * Commits the store, and returns once every change made before the call is in its file. H2 also
   * commits on its own (about once a second, and when a write leaves much unsaved) and writes those
   * commits on its own threads without waiting: a commit that finds nothing left unsaved may have
   * had its changes taken by such a write still under way, so it waits for H2's writer threads,
   * which run their tasks in order, to finish what they were given.
   */
  static void commitToFile(MVStore store) {
    if (store.commit() < 0) {
      store.getFileStore().executeFileStoreOperation(() -> {});
    }
    MVStoreException failed = store.getPanicException();
    if (failed != null) {
      throw failed;
    }
  }

  /**
   * Answers a command; one that wrote is answered only once H2 has written the change to its file.
   * H2 keeps changes in memory and writes them about once a second, so a process killed with {@code
   * kill -9} lost up to a second of writes it had acknowledged: history, which writes runs before
   * it commits the Kafka records they came from, would resume after records whose runs the store no
   * longer had. Writes share H2's writes of the file as {@link GroupCommit} says. (To the file, not
   * to the disk: what the operating system has survives the process, not a power cut.)
   */
  @Override
  public Document handleCommand(
      Channel channel, String databaseName, String command, Document query) {
    HostileCommands.check(databaseName, command, query);
    cursors.command(command, query);
    if (command.equalsIgnoreCase("dropDatabase")) {
      String ours = databaseName + ".";
      HostileCommands.checkDrop(
          databaseName,
          getMvStore().getMapNames(),
          map -> map.startsWith(DATA + ours) || map.startsWith(META + ours));
    }
    try {
      Document answer = super.handleCommand(channel, databaseName, command, query);
      cursors.answered(command, query, answer);
      return answer;
    } finally {
      if (WRITES.contains(command.toLowerCase(Locale.ROOT)) || writesOut(command, query)) {
        groupCommit.await();
      }
    }
  }

  /** Refused: a legacy query of a collection ({@link HostileCommands#legacyQuery}). */
  @Override
  public QueryResult handleQuery(MongoQuery query) {
    return HostileCommands.legacyQuery(query);
  }

  /** Whether {@code command} is an aggregation that writes ({@code $out}, {@code $merge}). */
  private static boolean writesOut(String command, Document query) {
    if (!command.equalsIgnoreCase("aggregate") || !(query.get("pipeline") instanceof List<?> p)) {
      return false;
    }
    for (Object stage : p) {
      if (stage instanceof Document d && (d.containsKey("$out") || d.containsKey("$merge"))) {
        return true;
      }
    }
    return false;
  }

  /** H2 commits made for writes so far (for tests). */
  long commits() {
    return groupCommit.commits();
  }

  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    return new Database(databaseName);
  }

  /** A database whose unique indexes are {@link BytesKeyedIndex}es and documents BSON. */
  private final class Database extends H2Database {
    Database(String name) {
      super(name, CompactH2Backend.this.getMvStore(), CompactH2Backend.this.getCursorRegistry());
    }

    /** The library's name for an index's map. */
    private String libraryMap(String collection, String indexName) {
      return getFullCollectionNamespace(collection) + "._index_" + indexName;
    }

    @Override
    protected Index<Object> openOrCreateUniqueIndex(
        String collection, String indexName, List<IndexKey> keys, boolean sparse) {
      // called from the super constructor too: the store comes from the backend, not a field here
      MVStore store = CompactH2Backend.this.getMvStore();
      String old = libraryMap(collection, indexName);
      MVMap<byte[], Object> map = store.openMap(old + KEYED);
      BytesKeyedIndex index = new BytesKeyedIndex(map, indexName, keys, sparse);
      if (store.hasMap(old)) {
        // the library's map, keyed by objects: this one is filled from the documents first and the
        // library's dropped after, so a start cut short in between fills it again from the start
        map.clear();
        String full = getFullCollectionNamespace(collection);
        MVMap<Object, Document> documents =
            store.hasMap(DATA + full) ? store.openMap(DATA + full) : data(full);
        documents.forEach((position, document) -> index.add(document, position, null));
        store.removeMap(old);
        store.commit();
      } else if (!sparse && !store.hasMap(DATA + getFullCollectionNamespace(collection))) {
        // a write puts the document, then its key (a delete takes the key, then the document),
        // and H2 commits on its own too: a process killed between the two left a document whose
        // key the index lacks, which every later write of that id then failed on (found by
        // review). A unique index that is not sparse holds one key per document: filled again
        // when the counts differ (once the library's documents, if any, were copied to ours)
        MVMap<Object, Document> documents = data(getFullCollectionNamespace(collection));
        if (map.sizeAsLong() != documents.sizeAsLong()) {
          LOG.warn(
              "Index {} of {} held {} keys for {} documents (a process killed mid-write); filled"
                  + " again from the documents",
              indexName,
              collection,
              map.sizeAsLong(),
              documents.sizeAsLong());
          map.clear();
          documents.forEach((position, document) -> index.add(document, position, null));
          store.commit();
        }
      }
      return index;
    }

    /** A collection's documents, as BSON. */
    private MVMap<Object, Document> data(String fullName) {
      return CompactH2Backend.this
          .getMvStore()
          .openMap(
              DATA + fullName + BSON,
              new MVMap.Builder<Object, Document>().valueType(BsonDocumentType.INSTANCE));
    }

    @Override
    protected MongoCollection<Object> openOrCreateCollection(
        String collectionName, CollectionOptions options) {
      MVStore store = CompactH2Backend.this.getMvStore();
      String full = getFullCollectionNamespace(collectionName);
      MVMap<Object, Document> data = data(full);
      if (store.hasMap(DATA + full)) {
        // written by the library (Java serialization): copied over once, then dropped; a start cut
        // short while copying copies the rest the next time (nothing writes in between)
        MVMap<Object, Document> written = store.openMap(DATA + full);
        written.forEach(data::putIfAbsent);
        store.removeMap(written);
        store.commit();
      }
      MVMap<String, Object> meta = store.openMap(META + full);
      return new Collection(
          this,
          collectionName,
          options,
          data,
          meta,
          CompactH2Backend.this.getCursorRegistry(),
          () -> documentsRead); // read when counting: null while the library's constructor runs
    }

    @Override
    public void dropCollection(String collectionName, Oplog oplog) {
      super.dropCollection(collectionName, oplog);
      MVStore store = CompactH2Backend.this.getMvStore();
      String ours = DATA + getFullCollectionNamespace(collectionName) + BSON;
      if (store.hasMap(ours)) {
        store.removeMap(ours);
      }
    }

    @Override
    public void moveCollection(
        MongoDatabase oldDatabase, MongoCollection<?> collection, String newCollectionName) {
      String from = collection.getFullName(); // before the library renames the collection
      super.moveCollection(oldDatabase, collection, newCollectionName);
      CompactH2Backend.this
          .getMvStore()
          .renameMap(data(from), DATA + getFullCollectionNamespace(newCollectionName) + BSON);
    }

    @Override
    protected void dropIndex(MongoCollection<Object> collection, String indexName) {
      super.dropIndex(collection, indexName);
      String keyed = libraryMap(collection.getCollectionName(), indexName) + KEYED;
      MVStore store = CompactH2Backend.this.getMvStore();
      if (store.hasMap(keyed)) {
        store.removeMap(keyed);
      }
    }
  }

  /** A unique index whose map is keyed by {@link #encode encoded} keys. */
  static final class BytesKeyedIndex extends AbstractUniqueIndex<Object> {
    private final MVMap<byte[], Object> map;

    BytesKeyedIndex(MVMap<byte[], Object> map, String name, List<IndexKey> keys, boolean sparse) {
      super(name, keys, sparse);
      this.map = map;
    }

    @Override
    protected Object removeDocument(KeyValue key) {
      return map.remove(encode(key));
    }

    @Override
    protected boolean putKeyPosition(KeyValue key, Object position) {
      return map.putIfAbsent(encode(key), Missing.ofNullable(position)) == null;
    }

    @Override
    protected Iterable<Map.Entry<KeyValue, Object>> getIterable() {
      List<Map.Entry<KeyValue, Object>> out = new ArrayList<>();
      map.forEach((k, v) -> out.add(new AbstractMap.SimpleImmutableEntry<>(decode(k), v)));
      return out;
    }

    @Override
    protected Object getPosition(KeyValue key) {
      return map.get(encode(key));
    }

    @Override
    public long getCount() {
      return map.sizeAsLong();
    }

    @Override
    public long getDataSize() {
      return getCount();
    }
  }

  private static final byte STRING = 1;
  private static final byte SERIALIZED = 0;

  /** A key as bytes: equal bytes for equal keys, different bytes for different ones. */
  static byte[] encode(KeyValue key) {
    if (key.size() == 1 && key.get(0) instanceof String s) {
      byte[] out = new byte[1 + 2 * s.length()];
      out[0] = STRING;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        out[1 + 2 * i] = (byte) (c >>> 8);
        out[2 + 2 * i] = (byte) c;
      }
      return out;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(SERIALIZED);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(key);
    } catch (IOException e) {
      throw new UncheckedIOException("an index key could not be serialized: " + key, e);
    }
    return bytes.toByteArray();
  }

  /** The key {@link #encode} made these bytes of. */
  static KeyValue decode(byte[] bytes) {
    if (bytes[0] == STRING) {
      char[] chars = new char[(bytes.length - 1) / 2];
      for (int i = 0; i < chars.length; i++) {
        chars[i] = (char) (((bytes[1 + 2 * i] & 0xff) << 8) | (bytes[2 + 2 * i] & 0xff));
      }
      return new KeyValue((Object) new String(chars));
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1))) {
      return (KeyValue) in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException("an index key could not be read back", e);
    }
  }

  /**
   * The library's H2 collection, finding a query on one {@code _id} and more by its index, and
   * handing out copies of what its map holds.
   *
   * <p>The library updates a document by changing the very object a read returned, then putting it
   * back. In the library's collection that object is the one in the store's page, which H2's
   * serializer may be encoding in the background at that moment: the encoding then failed ({@code
   * ConcurrentModificationException} in the chaos suite's store log), H2 closed the store, and
   * every later request hung. So a document in the map is never handed out: reads get a copy, an
   * update changes the copy and puts it in place of the stored one, and nothing changes a document
   * once it is in the map. A scan matches against the stored documents and copies only those that
   * match.
   */
  static final class Collection extends H2Collection implements ReplaceById.Target<Object> {
    Collection(
        MongoDatabase database,
        String collectionName,
        CollectionOptions options,
        MVMap<Object, Document> data,
        MVMap<String, Object> meta,
        CursorRegistry cursorRegistry,
        Supplier<LongAdder> documentsRead) {
      super(database, collectionName, options, data, meta, cursorRegistry);
      this.data = data;
      this.documentsRead = documentsRead;
    }

    /** The library's map of this collection's documents (its own field is private). */
    private final MVMap<Object, Document> data;

    private final Supplier<LongAdder> documentsRead;

    /**
     * Counts documents read. The library's constructors open what a data folder holds before this
     * collection's and the backend's fields are set: neither is read until then.
     */
    private void read(int documents) {
      LongAdder counter = documentsRead == null ? null : documentsRead.get();
      if (counter != null) {
        counter.add(documents);
      }
    }

    /** A copy of the stored document: the caller may change it (an update does). */
    @Override
    protected Document getDocument(Object position) {
      read(1);
      Document stored = super.getDocument(position);
      return stored == null ? null : stored.cloneDeeply();
    }

    /**
     * A replacement of one document by its {@code _id} the short way ({@link ReplaceById}): the
     * stored document is matched where it lies, and a new one put in its place.
     */
    @Override
    public synchronized Document updateDocuments(
        Document selector,
        Document updateQuery,
        ArrayFilters arrayFilters,
        boolean isMulti,
        boolean isUpsert,
        Oplog oplog) {
      Document done = ReplaceById.update(this, selector, updateQuery, isMulti, isUpsert, oplog);
      return done != null
          ? done
          : super.updateDocuments(selector, updateQuery, arrayFilters, isMulti, isUpsert, oplog);
    }

    @Override
    public String idField() {
      return getIdField();
    }

    @Override
    public String fullName() {
      return getFullName();
    }

    /** The stored document itself, to be read only. */
    @Override
    public Document stored(Object position) {
      read(1);
      return super.getDocument(position);
    }

    @Override
    public boolean matches(Document document, Document query) {
      return documentMatchesQuery(document, query);
    }

    /** Stores a new document in place of an old one, counting the change of the data size. */
    @Override
    public void replaceStored(Object position, Document old, Document replacement) {
      if (tracksDataSize()) {
        updateDataSize(
            BsonDocumentType.encode(replacement).length - BsonDocumentType.encode(old).length);
      }
      handleUpdate(position, old, replacement);
    }

    /**
     * A scan, as the library's (every document of the map, in key order or {@code $natural: -1}
     * reversed), handing out copies of the documents that match.
     */
    @Override
    protected QueryResult matchDocuments(
        Document query,
        Document orderBy,
        int numberToSkip,
        int limit,
        int batchSize,
        Document fieldSelector) {
      read(count());
      Stream<Document> stored =
          isNaturalDescending(orderBy)
              ? data.entrySet().stream()
                  .sorted((a, b) -> ValueComparator.desc().compare(a.getKey(), b.getKey()))
                  .map(Map.Entry::getValue)
              : data.values().stream();
      Stream<Document> matching =
          stored
              .filter(document -> documentMatchesQuery(document, query))
              .map(Document::cloneDeeply);
      return matchDocumentsFromStream(
          matching, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }

    @Override
    protected QueryResult queryDocuments(
        Document query,
        Document orderBy,
        int numberToSkip,
        int limit,
        int batchSize,
        Document fieldSelector) {
      Iterable<Object> byId = ByIdFirst.positions(getIndexes(), query);
      if (byId != null) {
        return matchDocuments(query, byId, orderBy, numberToSkip, limit, batchSize, fieldSelector);
      }
      return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }
  }
}

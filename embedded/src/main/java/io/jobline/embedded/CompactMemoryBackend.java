package io.jobline.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;
import de.bwaldvogel.mongo.backend.AbstractSynchronizedMongoCollection;
import de.bwaldvogel.mongo.backend.AbstractSynchronizedMongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.index.MemoryUniqueIndex;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * mongo-java-server's memory backend (the store of {@code standalone --store memory} and of the
 * bench) with each document kept as its BSON bytes rather than as a tree of maps and strings.
 *
 * <p>A heap histogram taken 8 s into a 60,000-job {@code jobline bench} had about 450 MB live for
 * some 73,000 runs, nearly all of it the library's documents (about 6 KB a run as {@code
 * LinkedHashMap}s, strings and their bytes); the collector's concurrent marking of that growing
 * heap took 13 % of the process's CPU. As BSON a run takes about a sixth of that. A read decodes a
 * new copy of the document, as the library's H2 backend does, so nothing the library does to a
 * document it read changes what is stored; an update stores the document the library hands back.
 * The collection's data size is counted from those bytes, instead of encoding each document once
 * more to measure it as the library does.
 */
final class CompactMemoryBackend extends AbstractMongoBackend {
  /** Documents decoded to answer queries and updates, in every collection (for tests). */
  final LongAdder documentsRead = new LongAdder();

  /** Closes the cursors left idle ({@link EmbeddedMongo} sweeps it). */
  final CursorExpiry cursors;

  CompactMemoryBackend() {
    this(System::nanoTime);
  }

  /** A store whose idle cursors are timed by {@code nanos} (tests move it). */
  CompactMemoryBackend(LongSupplier nanos) {
    this.cursors = new CursorExpiry(getCursorRegistry(), nanos);
  }

  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    return new Database(databaseName, getCursorRegistry(), documentsRead);
  }

  /** Refuses what would break the store for everyone ({@link HostileCommands}), then answers. */
  @Override
  public Document handleCommand(
      Channel channel, String databaseName, String command, Document query) {
    HostileCommands.check(databaseName, command, query);
    cursors.command(command, query);
    Document answer = super.handleCommand(channel, databaseName, command, query);
    cursors.answered(command, query, answer);
    return answer;
  }

  /** Refused: a legacy query of a collection ({@link HostileCommands#legacyQuery}). */
  @Override
  public QueryResult handleQuery(MongoQuery query) {
    return HostileCommands.legacyQuery(query);
  }

  /** As the library's memory database, with {@link Collection}s. */
  private static final class Database extends AbstractSynchronizedMongoDatabase<Integer> {
    private final LongAdder documentsRead;

    Database(String name, CursorRegistry cursors, LongAdder documentsRead) {
      super(name, cursors);
      this.documentsRead = documentsRead;
      initializeNamespacesAndIndexes();
    }

    @Override
    protected MongoCollection<Integer> openOrCreateCollection(
        String collectionName, CollectionOptions options) {
      return new Collection(this, collectionName, options, cursorRegistry, documentsRead);
    }

    @Override
    protected Index<Integer> openOrCreateUniqueIndex(
        String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
      return new MemoryUniqueIndex(indexName, keys, sparse);
    }

    @Override
    protected long getStorageSize() {
      return 0;
    }

    @Override
    protected long getFileSize() {
      return 0;
    }
  }

  /** A collection's documents as BSON, each at a position (its index in a list, reused). */
  static final class Collection extends AbstractSynchronizedMongoCollection<Integer>
      implements ReplaceById.Target<Integer> {
    private final List<byte[]> documents = new ArrayList<>();
    private final ArrayDeque<Integer> emptyPositions = new ArrayDeque<>();

    /** Changed under the collection's lock; read without it by collStats and validate. */
    private volatile long dataSize;

    private final LongAdder documentsRead;

    Collection(
        MongoDatabase database,
        String collectionName,
        CollectionOptions options,
        CursorRegistry cursorRegistry,
        LongAdder documentsRead) {
      super(database, collectionName, options, cursorRegistry);
      this.documentsRead = documentsRead;
    }

    /** Counted here from the bytes kept ({@link #addDocumentInternal}, {@link #handleUpdate}). */
    @Override
    protected boolean tracksDataSize() {
      return false;
    }

    @Override
    protected void updateDataSize(int sizeDelta) {
      dataSize += sizeDelta;
    }

    @Override
    protected int getDataSize() {
      return (int) Math.min(Integer.MAX_VALUE, dataSize);
    }

    @Override
    protected Integer addDocumentInternal(Document document) {
      byte[] bson = BsonDocumentType.encode(document);
      dataSize += bson.length;
      Integer position = emptyPositions.poll();
      if (position == null) {
        documents.add(bson);
        return documents.size() - 1;
      }
      documents.set(position, bson);
      return position;
    }

    @Override
    protected Document getDocument(Integer position) {
      documentsRead.increment();
      return BsonDocumentType.decode(documents.get(position));
    }

    @Override
    protected void handleUpdate(Integer position, Document oldDocument, Document newDocument) {
      byte[] bson = BsonDocumentType.encode(newDocument);
      dataSize += bson.length - documents.get(position).length;
      documents.set(position, bson);
    }

    /** A replacement of one document by its {@code _id} the short way ({@link ReplaceById}). */
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

    @Override
    public Document stored(Integer position) {
      return getDocument(position); // (a copy, decoded)
    }

    @Override
    public boolean matches(Document document, Document query) {
      return documentMatchesQuery(document, query);
    }

    @Override
    public void replaceStored(Integer position, Document old, Document replacement) {
      handleUpdate(position, old, replacement);
    }

    @Override
    protected void removeDocument(Integer position) {
      dataSize -= documents.get(position).length;
      documents.set(position, null);
      emptyPositions.add(position);
    }

    @Override
    public synchronized int count() {
      return documents.size() - emptyPositions.size();
    }

    @Override
    public synchronized boolean isEmpty() {
      return count() == 0;
    }

    @Override
    protected Stream<DocumentWithPosition<Integer>> streamAllDocumentsWithPosition() {
      return IntStream.range(0, documents.size())
          .filter(position -> documents.get(position) != null)
          .mapToObj(position -> new DocumentWithPosition<>(getDocument(position), position));
    }

    @Override
    protected QueryResult queryDocuments(
        Document query,
        Document orderBy,
        int numberToSkip,
        int limit,
        int batchSize,
        Document fieldSelector) {
      Iterable<Integer> byId = ByIdFirst.positions(getIndexes(), query);
      if (byId != null) {
        return matchDocuments(query, byId, orderBy, numberToSkip, limit, batchSize, fieldSelector);
      }
      return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }

    @Override
    protected QueryResult matchDocuments(
        Document query,
        Document orderBy,
        int numberToSkip,
        int limit,
        int batchSize,
        Document fieldSelector) {
      int size = documents.size();
      IntStream positions = IntStream.range(0, size);
      if (isNaturalDescending(orderBy)) {
        positions = positions.map(i -> size - 1 - i);
      }
      Stream<Document> stream =
          positions.filter(p -> documents.get(p) != null).mapToObj(this::getDocument);
      return matchDocumentsFromStream(
          stream, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
    }
  }
}

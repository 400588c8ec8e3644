package io.jobline.app;

import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonArray;
import org.bson.BsonDocument;

/**
 * Counts what a process writes to MongoDB, as the driver sends it: write commands (round trips) and
 * the documents they carry. Registered on the client, read by metrics and the bench.
 */
public final class StoreWrites implements CommandListener {
  private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findAndModify");
  private final AtomicLong commands = new AtomicLong();
  private final AtomicLong documents = new AtomicLong();

  @Override
  public void commandStarted(CommandStartedEvent event) {
    String name = event.getCommandName();
    if (!WRITES.contains(name)) {
      return;
    }
    commands.incrementAndGet();
    documents.addAndGet(count(event.getCommand(), name));
  }

  private static long count(BsonDocument command, String name) {
    String field =
        switch (name) {
          case "insert" -> "documents";
          case "update" -> "updates";
          case "delete" -> "deletes";
          default -> null;
        };
    if (field == null) {
      return 1;
    }
    // batched writes can carry their documents as a payload beside the command; count 1 then
    BsonArray items = command.isArray(field) ? command.getArray(field) : null;
    return items == null ? 1 : items.size();
  }

  /** Write commands sent so far. */
  public long commands() {
    return commands.get();
  }

  /** Documents those commands wrote (inserted, updated, deleted). */
  public long documents() {
    return documents.get();
  }
}
